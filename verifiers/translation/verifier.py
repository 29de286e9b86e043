"""`assay verify translation`: co-verify a serial→OpenMP/CUDA translation against its source.

Tests are validated on the source first (see `validate`); the translation is compiled once and
passes only if every validated test gives the source's records at every thread count, on every
repeat. CUDA translations are run only inside a GPU worker (`config.gpu`); elsewhere they are at
most compiled and recorded as not_verified. `evidence["level"]` says how far the check got:
none, compiled, ran_cpu or ran_gpu.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace

from assay.schemas.records import Outcome, Status, Verdict, content_id
from assay.verifiers.registry import Registered, register
from assay.verifiers.sandbox import Limits, Sandbox
from assay.verifiers.tools import find
from assay.verifiers.translation.build import build
from assay.verifiers.translation.compare import first_difference
from assay.verifiers.translation.config import TranslationConfig
from assay.verifiers.translation.execute import Record, run_binary
from assay.verifiers.translation.items import TranslationItem
from assay.verifiers.translation.validate import Validation, impl_kind, validate_tests

NAME = "translation"
CACHE_SIZE = 64  # validated suites kept (expected records can be megabytes each)
# When several runs fail, the verdict names the most telling cause first.
SEVERITY = (Status.CHEAT, Status.TIMEOUT, Status.MEMORY, Status.ERROR, Status.FAIL)


def seed_of(item: TranslationItem) -> int:
    """Inputs come from a seed fixed by the source and tests: reruns agree, and validation of
    one source is shared by all its translations."""
    tests = [(t.name, t.driver) for t in item.tests]
    return int(content_id("seed", item.source, item.prelude, item.header, tests)[:8], 16)


class TranslationChecker:
    """Holds the config and a cache of validated test suites (one source, many translations)."""

    def __init__(self, config: TranslationConfig | None = None) -> None:
        self.config = config or TranslationConfig()
        self._cache: dict[str, Validation] = {}
        self._lock = threading.Lock()

    def _validation(self, item: TranslationItem, sandbox: Sandbox, limits: Limits) -> Validation:
        seed = seed_of(item)
        tests = [(t.name, t.driver) for t in item.tests]
        key = content_id(
            "validation", item.source, item.prelude, item.header, tests, item.language, limits,
            self.config,
        )  # fmt: skip
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        got = validate_tests(item, sandbox, limits, self.config, seed)
        with self._lock:
            while len(self._cache) >= CACHE_SIZE:  # oldest first: dicts keep insertion order
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = got
        return got

    def check(self, item: TranslationItem, sandbox: Sandbox, limits: Limits) -> Verdict:
        started = time.monotonic()
        cfg = replace(
            self.config,
            rtol=self.config.rtol if item.rtol is None else item.rtol,
            atol=self.config.atol if item.atol is None else item.atol,
        )
        val = self._validation(item, sandbox, limits)
        evidence: dict = {
            "target": item.target,
            "seed": seed_of(item),
            "tests_validated": sorted(val.expected),
            "tests_rejected": val.rejected,
            "input_sizes": val.sizes,
            "level": "none",
        }

        def verdict(status: Status, outcomes=(), passed=0, tail="", isolation="") -> Verdict:
            return Verdict(
                candidate_id=str(item.id),
                verifier=NAME,
                status=status,
                tests_passed=passed,
                tests_total=len(val.expected),
                outcomes=tuple(outcomes),
                stderr_tail=tail[-2000:],
                duration_s=time.monotonic() - started,
                isolation=isolation or val.isolation,
                evidence=evidence,
                against="source",
            )

        rejected = [Outcome(n, Status.REJECTED, why[:500]) for n, why in val.rejected.items()]
        if not val.expected:
            evidence["reason"] = "no test survived validation on the source"
            return verdict(Status.NOT_VERIFIED, rejected)
        tests = [t for t in item.tests if t.name in val.expected]
        cuda = item.target == "cuda"
        if cuda and find("nvcc") is None:
            evidence["reason"] = "nvcc is not installed: the CUDA translation was not compiled"
            return verdict(Status.NOT_VERIFIED, rejected)
        kind = "cuda" if cuda else impl_kind(item)
        built = build(
            sandbox,
            f"{item.prelude}\n{item.translation}",
            kind,
            tests,
            item.header,
            item.language,
            cfg,
            objects=val.objects,
        )
        if not built.impl_ok or built.failed:
            log = built.impl_log if not built.impl_ok else next(iter(built.failed.values()))
            status = Status.TIMEOUT if built.timed_out else Status.COMPILE_ERROR
            return verdict(status, rejected, tail=log, isolation=built.isolation)
        evidence["level"] = "compiled"
        if cuda and not self.config.gpu:
            evidence["reason"] = "no GPU here: compiled with nvcc, not run"
            return verdict(Status.NOT_VERIFIED, rejected, isolation=built.isolation)
        evidence["level"] = "ran_gpu" if cuda else "ran_cpu"
        threads = (1,) if cuda else cfg.threads
        evidence["threads"], evidence["repeats"] = list(threads), cfg.repeats
        outcomes, tails, mismatches = [], [], {}
        for test in tests:
            run = Trial(sandbox, limits, cfg, evidence["seed"], threads)
            outcomes.append(run.test(test.name, built.binaries[test.name], val.expected[test.name]))
            tails += run.tails
            mismatches.update(run.mismatches)
        evidence["mismatches"] = mismatches
        passed = sum(o.status is Status.PASS for o in outcomes)
        bad = [o.status for o in outcomes if o.status is not Status.PASS]
        status = next((s for s in SEVERITY if s in bad), Status.PASS)
        return verdict(status, [*outcomes, *rejected], passed, "\n".join(tails), built.isolation)


@dataclass
class Trial:
    """Runs one test's binary at every thread count and repeat; stops at the first bad run."""

    sandbox: Sandbox
    limits: Limits
    cfg: TranslationConfig
    seed: int
    threads: tuple[int, ...]
    tails: list[str] = field(default_factory=list)
    mismatches: dict[str, dict] = field(default_factory=dict)

    def test(self, name: str, binary: bytes, expected: list[Record]) -> Outcome:
        cfg = self.cfg
        for n in self.threads:
            for repeat in range(cfg.repeats):
                run = run_binary(self.sandbox, binary, self.seed, n, self.limits, cfg)
                where = f"threads={n} repeat={repeat}"
                if run.status is not None:
                    self.tails.append(run.stderr)
                    return Outcome(name, run.status, f"{where}: {run.detail}"[:500])
                diff = first_difference(expected, run.records, cfg.rtol, cfg.atol, cfg.rtol_single)
                if diff is not None:
                    self.mismatches[name] = {"threads": n, "repeat": repeat, "difference": diff}
                    return Outcome(name, Status.FAIL, f"{where}: {diff}"[:500])
        return Outcome(name, Status.PASS, f"threads {list(self.threads)} x {cfg.repeats} repeats")


@register(NAME, TranslationItem, tier="cosim")
class TranslationVerifier(TranslationChecker, Registered):
    """The registry's instance: default config, CPU only."""
