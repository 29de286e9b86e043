"""Pure steps of the translation flow (MuSL): requests out, drivers and translations in, the
verifier's input lines, and the rows kept for each role.

Nothing here runs a model or a check; `flow.program` asks the engine for those and commits. A
task's `reference` is its trusted serial source, `tests` its trusted drivers, `setup` the header
(prototypes) the drivers are compiled after, and `meta` may give `language` and `prelude`.
"""

from __future__ import annotations

from typing import Any

from assay.flows.config import RunConfig
from assay.flows.domains.verilog.stages import decided, pass_rate
from assay.flows.engine.domain_flow import extracted, repairs
from assay.flows.engine.sampling import sampling_for
from assay.flows.roles import get_role
from assay.schemas.records import Candidate, Level, Role, Sample, Status, Task, Verdict
from assay.workers.api import Completion, Request, Sampling

DOMAIN = "translation"
VERIFIER = "translation"
VALIDATED = "source"  # Verdict.against of a driver checked on the source alone (the verifier's)
SUITE = "suite"  # Verdict.against of a translation checked against trusted + validated drivers
TRANSLATOR, TESTER = "translator", "tester"  # Sample.strategy of each role's rows

__all__ = ["decided", "pass_rate"]


class TranslationTaskError(ValueError):
    """A task the translation flow cannot check; names the task."""


def check_tasks(tasks: list[Task]) -> None:
    """Every task needs its serial source and the function the drivers call."""
    for task in tasks:
        if not task.reference.strip() or not task.entry_point:
            raise TranslationTaskError(
                f"task {task.name!r} ({task.source}) needs the serial source in `reference` and "
                "the function under test in `entry_point`"
            )


def test_name(tester: Candidate) -> str:
    return f"gen_{tester.id[:12]}"


def trusted_tests(task: Task) -> list[dict[str, str]]:
    return [{"name": f"trusted_{i}", "driver": d} for i, d in enumerate(task.tests)]


def check_item(task: Task, translation: str, tests: list[dict[str, str]], item_id: str) -> dict:
    """One input line of the `translation` verifier (the shape `assay verify translation` reads)."""
    return {
        "id": item_id,
        "source": task.reference,
        "translation": translation,
        "tests": tests,
        "target": "openmp",
        "language": task.meta.get("language", "cpp"),
        "header": task.setup,
        "prelude": task.meta.get("prelude", ""),
    }


def validation_item(task: Task, tester: Candidate) -> dict:
    """A model driver alone, with the source as its own translation: passes iff the verifier
    validates the driver on the source (otherwise not_verified, the reason in its outcome)."""
    tests = [{"name": test_name(tester), "driver": tester.text}]
    return check_item(task, task.reference, tests, tester.id)


def rejection(verdict: Verdict) -> str:
    """Why a model driver was rejected, in the verifier's words ('' when it was accepted)."""
    if verdict.passed:
        return ""
    why = [o.detail for o in verdict.outcomes if o.status is Status.REJECTED]
    return why[0] if why else str(verdict.evidence.get("reason") or verdict.status.value)


def _request(name: str, task: Task, sampling: Sampling, key: str, **kw: Any) -> Request:
    return get_role(DOMAIN, name).build(task, sampling, key=key, **kw)


def tester_requests(
    cfg: RunConfig, task: Task, index: int, round_: int, rejected: list[tuple[Candidate, Verdict]]
) -> list[tuple[Role, Request]]:
    """`tester.n` drivers; after round 0, shown one rejected driver and why, if there was one."""
    sampling = sampling_for(cfg.tester, 1000 * index + 100 * round_ + 50)
    key = f"{task.id}:tester{round_}"
    if rejected:
        cand, verdict = rejected[0]
        req = _request(TESTER, task, sampling, key, failing=cand.text, why=rejection(verdict))
    else:
        req = _request(TESTER, task, sampling, key)
    return [(Role.TESTER, req)]


def translator_requests(
    cfg: RunConfig, task: Task, index: int, round_: int = 0
) -> list[tuple[Role, Request]]:
    """`solver.n` fresh translations (round 0, or a later round with nothing to repair)."""
    sampling = sampling_for(cfg.solver, 1000 * index + 100 * round_)
    key = f"{task.id}:translator{round_}"
    return [(Role.TRANSLATOR, _request(TRANSLATOR, task, sampling, key))]


def repair_requests(
    cfg: RunConfig, task: Task, index: int, round_: int, failing: list[tuple[Candidate, Verdict]]
) -> list[tuple[Role, Request]]:
    """Round k: one repair per failing translation, shown its mismatch evidence."""
    build = get_role(DOMAIN, "repairer").build
    return repairs(cfg, task, index, round_, failing, build, Role.TRANSLATOR)


def to_candidates(
    task: Task, role: Role, role_name: str, completion: Completion, sampling: Sampling,
    round_: int, parent: str = "",
) -> list[Candidate]:  # fmt: skip
    """Extracted drivers or translations of a completion; unusable ones dropped, repeats merged."""
    spec = get_role(DOMAIN, role_name)
    return extracted(
        task, role, completion, lambda raw: spec.extract(raw, task), sampling.to_dict(), round_,
        parent,
    )  # fmt: skip


def judged(
    cands: list[Candidate], verdicts: list[Verdict], against: str
) -> list[tuple[Candidate, Verdict]]:
    """Each candidate once, with its verdict `against` the suite (translations) or the source
    (drivers)."""
    by_id = {v.candidate_id: v for v in verdicts if v.against == against}
    out: dict[str, tuple[Candidate, Verdict]] = {}
    for cand in cands:
        if cand.id in by_id:
            out.setdefault(cand.id, (cand, by_id[cand.id]))
    return list(out.values())


def failing_for_repair(
    pairs: list[tuple[Candidate, Verdict]], round_: int, limit: int
) -> list[tuple[Candidate, Verdict]]:
    """Last round's decided failures, most tests passed first, then by id."""
    bad = [(c, v) for c, v in pairs if c.round == round_ and not v.passed and decided(v)]
    return sorted(bad, key=lambda cv: (-cv[1].tests_passed, cv[0].id))[:limit]


def select_samples(
    task: Task,
    translations: list[tuple[Candidate, Verdict]],
    drivers: list[tuple[Candidate, Verdict]],
    run_id: str,
) -> list[Sample]:
    """Translator rows: (source, verified translation, the drivers it passed). Tester rows:
    (source, validated driver, the verified translations it also passes). Score: the task's pass
    rate (translations) or acceptance rate (drivers)."""
    valid = {test_name(c): (c, v) for c, v in drivers if v.passed}
    driver_of = {t["name"]: t["driver"] for t in trusted_tests(task)}
    driver_of |= {name: c.text for name, (c, _) in valid.items()}
    good = sorted(
        ((c, v) for c, v in translations if v.passed), key=lambda cv: (cv[0].round, cv[0].id)
    )

    def row(cand: Candidate, verdict: Verdict, tests: tuple[str, ...], kind: str, score: float,
            level: Level) -> Sample:  # fmt: skip
        return Sample(task.id, cand.id, DOMAIN, task.reference, cand.text, tests, kind, score,
                      (verdict.id,), run_id, level)  # fmt: skip

    rate = pass_rate(translations)
    out = []
    for cand, verdict in good:
        ran = tuple(driver_of[o.name] for o in verdict.outcomes if o.status is Status.PASS)
        out.append(row(cand, verdict, ran, TRANSLATOR, rate, Level.TRANSLATION_COSIM))
    accepted = len(valid) / len(drivers) if drivers else 0.0
    for name, (cand, verdict) in sorted(valid.items()):
        also = tuple(
            c.text
            for c, v in good
            if any(o.name == name and o.status is Status.PASS for o in v.outcomes)
        )
        # a driver kept because it ran clean on the source
        out.append(row(cand, verdict, also, TESTER, accepted, Level.VALIDATED_TESTS))
    return out
