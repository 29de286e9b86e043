"""Pure steps of the verilog flow: requests out, designs in, checks to run, samples to keep.

Nothing here runs a model or a check; `flow.program` wires these to the engine and the store.
Every design is checked by the `verilog` verifier against the task's golden RTL (`reference`).
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import partial
from typing import Any

from assay.flows.config import RunConfig
from assay.flows.domains.verilog.config import VerilogConfig
from assay.flows.engine.domain_flow import extracted, repairs
from assay.flows.engine.sampling import sampling_for
from assay.flows.roles import get_role
from assay.flows.roles import rtl as _rtl  # noqa: F401 - registers the verilog roles
from assay.schemas.records import (
    Candidate,
    Formal,
    Level,
    Role,
    Sample,
    Status,
    Task,
    Verdict,
)
from assay.workers.api import Completion, Request, Sampling

DOMAIN = "verilog"
REFERENCE = "reference"  # Sample.strategy of designs verified against the golden RTL
ROUNDTRIP = "roundtrip"  # Sample.strategy of (model-written spec, design) pairs kept by the filter
UNDECIDED = frozenset({Status.UNSUPPORTED, Status.NOT_VERIFIED})  # the check could not decide
DESIGN_ROLES = frozenset({Role.SOLVER, Role.REPAIRER})


class VerilogTaskError(ValueError):
    """A task the verilog flow cannot check (no golden reference); names the task."""


def check_tasks(tasks: list[Task]) -> None:
    """Every verilog task needs golden RTL: without it nothing can be verified."""
    for task in tasks:
        if not task.reference.strip():
            raise VerilogTaskError(
                f"task {task.name!r} ({task.source}) has no reference: the verilog flow checks "
                "designs against golden RTL (module RefModule) in the task's `reference`"
            )


def _request(
    cfg: RunConfig, name: str, task: Task, sampling: Sampling, key: str, **kw: Any
) -> Request:
    spec = get_role(DOMAIN, name)
    return spec.build(
        task, sampling, key=key, with_ports=cfg.section(VerilogConfig).ports_in_prompt, **kw
    )


def first_requests(cfg: RunConfig, task: Task, index: int) -> list[tuple[Role, Request]]:
    """Round 0: `solver.n` designs for one task."""
    sampling = sampling_for(cfg.solver, 1000 * index)
    return [(Role.SOLVER, _request(cfg, "solver", task, sampling, f"{task.id}:solver"))]


def repair_requests(
    cfg: RunConfig, task: Task, index: int, round_: int, failing: list[tuple[Candidate, Verdict]]
) -> list[tuple[Role, Request]]:
    """Round k: one repair per failing design, shown how its simulation disagreed."""
    return repairs(cfg, task, index, round_, failing, partial(_request, cfg, "repairer"))


def to_candidates(
    task: Task,
    role: Role,
    completion: Completion,
    sampling: Sampling,
    round_: int = 0,
    parent: str = "",
    role_name: str = "",
) -> list[Candidate]:
    """Extracted artefacts of one completion; unusable ones dropped, duplicates merged."""
    spec = get_role(DOMAIN, role_name or role.value)
    return extracted(
        task, role, completion, lambda raw: spec.extract(raw, task), sampling.to_dict(), round_,
        parent,
    )  # fmt: skip


def check_item(code: str, reference: str, item_id: str) -> dict:
    """One input of the `verilog` verifier (the shape `assay verify verilog` reads)."""
    return {"id": item_id, "code": code, "reference": reference}


def decided(verdict: Verdict) -> bool:
    return verdict.status not in UNDECIDED


def judged(cands: list[Candidate], verdicts: list[Verdict]) -> list[tuple[Candidate, Verdict]]:
    """Each solver/repairer design once, with its verdict against the golden reference."""
    by_id = {v.candidate_id: v for v in verdicts if v.against == REFERENCE}
    out: dict[str, tuple[Candidate, Verdict]] = {}
    for cand in cands:
        if cand.role in DESIGN_ROLES and cand.id in by_id:
            out.setdefault(cand.id, (cand, by_id[cand.id]))
    return list(out.values())


def pass_rate(pairs: list[tuple[Candidate, Verdict]]) -> float:
    """Passing designs over designs the verifier could decide (0 when it decided none)."""
    votes = [v.passed for _, v in pairs if decided(v)]
    return sum(votes) / len(votes) if votes else 0.0


def pair_count(pairs: list[tuple[Candidate, Verdict]]) -> int:
    """Preference pairs of one task: every passing design × every decided failing one."""
    passing = sum(v.passed for _, v in pairs)
    return passing * sum(not v.passed and decided(v) for _, v in pairs)


def failing_for_repair(
    pairs: list[tuple[Candidate, Verdict]], limit: int
) -> list[tuple[Candidate, Verdict]]:
    """Failing designs to repair: most simulation vectors right first, then by id."""
    bad = [(c, v) for c, v in pairs if not v.passed and decided(v)]
    return sorted(bad, key=lambda cv: (-cv[1].tests_passed, cv[0].id))[:limit]


def select_samples(
    cfg: RunConfig, task: Task, pairs: list[tuple[Candidate, Verdict]], run_id: str
) -> list[Sample]:
    """Passing designs, earliest round and shortest first, then by id; `select.keep` of them
    (all with `strategy: all`). Each sample's score is the task's pass rate, a difficulty
    signal."""
    good = sorted(
        ((c, v) for c, v in pairs if v.passed),
        key=lambda cv: (cv[0].round, len(cv[0].text), cv[0].id),
    )
    if cfg.select.strategy != "all":
        good = good[: cfg.select.keep]
    rate = pass_rate(pairs)
    return [
        Sample(
            task.id,
            c.id,
            task.domain,
            task.prompt,
            c.text,
            tuple(o.name for o in v.outcomes),
            REFERENCE,
            rate,
            (v.id,),
            run_id,
            *level_of(v),
        )
        for c, v in good
    ]


def level_of(verdict: Verdict) -> tuple[Level, Formal]:
    """A passing design's level: formal equivalence only where yosys proved it; otherwise
    simulation, with what the formal tier said (inconclusive, or not run at all)."""
    result = verdict.evidence.get("formal")
    if result == "proved":
        return Level.FORMAL_EQUIVALENCE, Formal.PROVED
    return Level.SIMULATION, Formal.NOT_RUN if result is None else Formal.INCONCLUSIVE


def as_reference(code: str, top: str = "TopModule", ref_top: str = "RefModule") -> str:
    """A verified design renamed to be the golden side of a round-trip check."""
    return re.sub(rf"\b{re.escape(top)}\b", ref_top, code)


def regen_task(task: Task, spec: Candidate, original: Candidate) -> Task:
    """The task as the round trip's second step sees it: the model's spec, the original design."""
    return replace(task, prompt=spec.text, reference=as_reference(original.text))


def spec_requests(
    cfg: RunConfig, task: Task, index: int, originals: list[Candidate]
) -> list[tuple[Role, Request]]:
    """Round trip, step one: one prose spec per verified design."""
    rt = cfg.section(VerilogConfig).roundtrip
    out = []
    for j, cand in enumerate(originals):
        sampling = replace(sampling_for(rt, 1000 * index + j), n=1)
        request = _request(cfg, "specifier", task, sampling, f"{task.id}:spec:{j}", code=cand.text)
        out.append((Role.TRANSLATOR, request))
    return out


def regen_requests(
    cfg: RunConfig, task: Task, index: int, specs: list[tuple[Candidate, Candidate]]
) -> list[tuple[Role, Request]]:
    """Round trip, step two: `roundtrip.n` designs from each (spec, original) spec alone."""
    rt = cfg.section(VerilogConfig).roundtrip
    out = []
    for j, (spec, original) in enumerate(specs):
        sampling = sampling_for(rt, 1000 * index + 500 + j)
        seen = regen_task(task, spec, original)
        request = _request(cfg, "solver", seen, sampling, f"{task.id}:regen:{j}")
        out.append((Role.TRANSLATOR, request))
    return out


def roundtrip_samples(
    task: Task,
    kept: list[tuple[Candidate, Candidate, Verdict]],
    reference_verdicts: dict[str, Verdict],
    rate: float,
    run_id: str,
) -> list[Sample]:
    """(spec, original design) rows for each (spec, original, passing round-trip verdict)."""
    return [
        Sample(
            task.id,
            original.id,
            task.domain,
            spec.text,
            original.text,
            (verdict.against,),
            ROUNDTRIP,
            rate,
            (reference_verdicts[original.id].id, verdict.id),
            run_id,
            *level_of(reference_verdicts[original.id]),
        )
        for spec, original, verdict in kept
    ]
