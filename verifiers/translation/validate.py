"""Validate the tests on the source alone, before any translation is judged (MuSL's co-check).

A test survives only if, linked with the source, it compiles, runs clean under ASan and UBSan,
gives the same records twice, records something, and passes a container of at least
`min_elements` through the harness (1-element inputs pass a kernel that ignores its thread
index). The survivors' records from the optimised source build are the expected outputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assay.verifiers.sandbox import Limits, Sandbox
from assay.verifiers.translation.build import build
from assay.verifiers.translation.compare import first_difference
from assay.verifiers.translation.config import TranslationConfig
from assay.verifiers.translation.execute import Record, run_binary
from assay.verifiers.translation.items import TranslationItem


@dataclass
class Validation:
    """Expected records per surviving test; a reason per rejected test."""

    expected: dict[str, list[Record]] = field(default_factory=dict)
    rejected: dict[str, str] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)
    objects: dict[str, bytes] = field(default_factory=dict)  # compiled drivers, reused
    isolation: str = ""


def impl_kind(item: TranslationItem) -> str:
    return "c" if item.language == "c" else "cpp"


def validate_tests(
    item: TranslationItem, sandbox: Sandbox, limits: Limits, cfg: TranslationConfig, seed: int
) -> Validation:
    source = f"{item.prelude}\n{item.source}"
    args = (source, impl_kind(item), item.tests, item.header, item.language, cfg)
    out = Validation()
    opt = build(sandbox, *args)
    out.isolation = opt.isolation
    if not opt.impl_ok:
        why = "timed out" if opt.timed_out else opt.impl_log[-600:]
        out.rejected = {t.name: f"the source does not compile: {why}" for t in item.tests}
        return out
    san = build(sandbox, *args, sanitize=True)
    for test in item.tests:
        name = test.name
        if name not in opt.binaries or name not in san.binaries:
            log = opt.failed.get(name) or san.failed.get(name, "")
            out.rejected[name] = f"does not compile or link with the source: {log[-600:]}"
            continue
        checked = run_binary(sandbox, san.binaries[name], seed, 1, limits, cfg, sanitize=True)
        if checked.status is not None:
            out.rejected[name] = (
                f"sanitizers (address, undefined): {checked.status.value}, {checked.detail}; "
                f"{checked.stderr[-600:]}"
            )
            continue
        first = run_binary(sandbox, opt.binaries[name], seed, 1, limits, cfg)
        second = run_binary(sandbox, opt.binaries[name], seed, 1, limits, cfg)
        bad = next((r for r in (first, second) if r.status is not None), None)
        if bad is not None and bad.status is not None:
            out.rejected[name] = f"the source run failed: {bad.status.value}, {bad.detail}"
            continue
        diff = first_difference(first.records, second.records, 0.0, 0.0)
        if diff is not None:
            out.rejected[name] = f"not deterministic: two runs with the same seed differ ({diff})"
        elif not first.records:
            out.rejected[name] = "records nothing (call assay::emit with the results)"
        elif first.max_size < cfg.min_elements:
            out.rejected[name] = (
                f"degenerate: its largest container has {first.max_size} elements, fewer than "
                f"{cfg.min_elements}; too small to exercise parallelism"
            )
        else:
            out.expected[name] = first.records
            out.objects[name] = opt.objects[name]
            out.sizes[name] = first.max_size
    return out
