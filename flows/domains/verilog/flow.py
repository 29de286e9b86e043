"""The verilog domain's flow parts: per task, designs → simulation against the golden RTL →
repair rounds → select → (optional) round trip. The engine runs `program` for many tasks at
once; each stage of a task is committed atomically under a key naming the stage, the task and the
round, so a killed run resumes where it stopped and a rerun commits nothing.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from assay.flows.config import RunConfig
from assay.flows.domains.verilog import stages as vs
from assay.flows.domains.verilog.config import VerilogConfig
from assay.flows.domains.verilog.importers import VerilogEvalError, load_verilogeval
from assay.flows.domains.verilog.state import VerilogState
from assay.flows.engine import domain_flow
from assay.flows.engine.budget import WAVE_CHECK
from assay.flows.engine.domain_flow import (
    Rounds,
    checked,
    importer,
    repair_rounds,
    select,
    task_checks,
    wave_passes,
)
from assay.flows.engine.steps import Check, Generate, Program
from assay.flows.state import RunState
from assay.schemas.records import Candidate, Task, Verdict

if TYPE_CHECKING:
    from assay.flows.runner import Summary


load = importer("verilog", lambda path, _: load_verilogeval(path), (VerilogEvalError,))
check_tasks = task_checks(lambda tasks, _: vs.check_tasks(tasks), (vs.VerilogTaskError,))


def open_state(config: RunConfig, tasks: list[Task] | None = None) -> RunState:
    return VerilogState.open(config, tasks)


def verifier(config: RunConfig) -> tuple[str, dict[str, Any] | None]:
    """`verilog` (or `verilog-formal`), built with the run's stimulus plan."""
    settings = config.section(VerilogConfig)
    return settings.verifier, settings.sim.options() or None


def finished(state: RunState, t: Task) -> bool:
    """With the round trip on, its check is the task's last commit; else the selection."""
    return state.finished(t)


def program(state: VerilogState, t: Task, index: int) -> Program:
    """Every round of one task, its selection, then its round trip; each step skips what is
    committed."""
    yield from repair_rounds(state, t, index, ROUNDS)
    select(state, t, lambda: vs.select_samples(state.config, t, state.judged(t), state.run_id))
    if state.config.section(VerilogConfig).roundtrip.enabled:
        yield from _write_specs(state, t, index)
        yield from _roundtrip(state, t, index)


def _verify(state: VerilogState, t: Task, round_: int) -> Program:
    """Simulate this round's new designs against the task's golden RTL."""
    new = [c for c in state.solutions(t) if c.round == round_ and c.role in vs.DESIGN_ROLES]
    items = [vs.check_item(c.text, t.reference, c.id) for c in new]
    yield from checked(state, t, round_, "verify", items)


def _check_wave(state: VerilogState, t: Task, wave: int) -> Program:
    """Simulate a dart wave's new designs against the task's golden RTL."""
    new = [c for c in state.solutions(t) if c.round == 0 and c.wave == wave]
    items = [vs.check_item(c.text, t.reference, c.id) for c in new if c.role in vs.DESIGN_ROLES]
    yield from checked(state, t, wave, WAVE_CHECK, items)


ROUNDS = Rounds(
    first=lambda state, t, index: vs.first_requests(state.config, t, index),
    repair=lambda state, t, index, round_, failing: vs.repair_requests(
        state.config, t, index, round_, failing
    ),
    extract=lambda _, t, role, request, completion, round_, parent: vs.to_candidates(
        t, role, completion, request.sampling, round_, parent
    ),
    verify=_verify,
    passes=lambda state, t, wave: wave_passes(state.judged(t), wave),
    check_wave=_check_wave,
)


def _originals(state: VerilogState, t: Task) -> list[Candidate]:
    chosen = {s.candidate_id for s in state.samples(t) if s.strategy == vs.REFERENCE}
    return [c for c, _ in state.judged(t) if c.id in chosen]


def _write_specs(state: VerilogState, t: Task, index: int) -> Program:
    """Round trip, step one: the model describes each selected design in prose."""
    if state.done("rt-spec", t, 0):
        return
    originals = _originals(state, t)
    if not originals:
        state.commit("rt-spec", t, 0, {})
        return
    pairs = vs.spec_requests(state.config, t, index, originals)
    completions = yield Generate([request for _, request in pairs])
    cands: list[Candidate] = []
    for ((role, request), completion), orig in zip(
        zip(pairs, completions, strict=True), originals, strict=True
    ):
        cands += vs.to_candidates(
            t, role, completion, request.sampling, state.spec_round, orig.id, "specifier"
        )
    state.commit("rt-spec", t, 0, {"candidates": cands})


def _roundtrip(state: VerilogState, t: Task, index: int) -> Program:
    """Round trip, step two: designs from each spec alone, simulated against the original; a
    (spec, original) sample is kept when one regenerated design is equivalent to it."""
    if state.done("rt-check", t, 0):
        return
    by_id = {c.id: c for c in _originals(state, t)}
    specs = [(s, by_id[s.parent_id]) for s in state.specs(t) if s.parent_id in by_id]
    if not specs:
        state.commit("rt-check", t, 0, {})
        return
    pairs = vs.regen_requests(state.config, t, index, specs)
    completions = yield Generate([request for _, request in pairs])
    regen: dict[tuple[str, str], tuple[Candidate, Candidate, Candidate]] = {}
    for ((role, request), completion), (spec, orig) in zip(
        zip(pairs, completions, strict=True), specs, strict=True
    ):
        for cand in vs.to_candidates(
            t, role, completion, request.sampling, state.spec_round + 1, spec.id, "solver"
        ):
            regen.setdefault((cand.id, orig.id), (cand, spec, orig))
    trio = list(regen.values())
    items = [vs.check_item(c.text, vs.as_reference(o.text), c.id) for c, _, o in trio]
    checked: list[Verdict] = yield Check(items)
    verdicts = [
        replace(v, against=f"roundtrip:{o.id}") for v, (_, _, o) in zip(checked, trio, strict=True)
    ]
    kept: dict[str, tuple[Candidate, Candidate, Verdict]] = {}
    for verdict, (_, spec, orig) in zip(verdicts, trio, strict=True):
        if verdict.passed:
            kept.setdefault(spec.id, (spec, orig, verdict))
    judged = state.judged(t)
    ref = {c.id: v for c, v in judged}
    samples = vs.roundtrip_samples(t, list(kept.values()), ref, vs.pass_rate(judged), state.run_id)
    cands = list({c.id: c for c, _, _ in trio}.values())
    state.commit("rt-check", t, 0, {"candidates": cands, "verdicts": verdicts, "samples": samples})


def print_summary(summary: Summary) -> None:
    c = summary.counts
    rate = c["designs_pass"] / c["designs"] if c.get("designs") else 0.0
    trip = [f"round trip  {c['roundtrip_kept']} of {c['roundtrip_tried']} specs kept"]
    domain_flow.print_summary(
        summary,
        [
            f"tasks       {c['tasks']} ({c['tasks_solved']} with a verified sample)",
            f"designs     {c['designs']} ({c['designs_pass']} pass, {rate:.0%}; "
            f"mean per-task pass rate {c['mean_pass_rate']:.0%})",
            f"verdicts    {c['verdicts']} ({c['verdicts_pass']} pass)",
            f"pairs       {c['preference_pairs']} preference pairs (passing vs failing design)",
            *(trip if c.get("roundtrip_tried") else []),
        ],
        [
            "SELECT name, candidates, passed, pass_rate FROM pass_rates",
            "SELECT task_id, rejected_status FROM preference_pairs",
        ],
    )
