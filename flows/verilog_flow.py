"""The verilog domain as a Prefect flow: specs → RTL designs → differential simulation against
the golden RTL → repair rounds → select → (optional) round-trip filter → commit.

Same machinery as the code flow: coarse Prefect tasks calling Ray through `Compute`, and each
task's output of each stage committed atomically under a key naming stage, task and run config,
so a killed run resumes where it stopped and a rerun commits nothing.
"""

# No `from __future__ import annotations`: Prefect reads these annotations at deployment time.
from dataclasses import replace
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from assay.flows import verilog_stages as vs
from assay.flows.compute import Compute
from assay.flows.config import RunConfig
from assay.flows.generation import Groups, generate_and_commit
from assay.flows.progress import Progress
from assay.flows.sources import load_tasks
from assay.flows.verilog_state import VerilogState
from assay.schemas.records import Candidate, Role, Verdict


class RtlCompute(Compute):
    """`Compute` whose checks go to the `verilog` verifier (or `verilog-formal`, with the run's
    stimulus plan as options) on the same Ray pool."""

    verifier = "verilog"


@task(cache_policy=NO_CACHE, name="verilog-generate")
def generate(state: VerilogState, compute: Compute, round_: int, progress: Progress) -> None:
    """Round 0: solver designs; later rounds: repairs of failing designs of unsolved tasks."""
    cfg = state.config
    groups: Groups = {}
    parents: dict[str, list[str]] = {}
    for index, t in enumerate(state.tasks):
        if state.done("gen", t, round_):
            continue
        if round_ == 0:
            groups[t.id] = vs.first_requests(cfg, t, index)
        elif not state.solved(t) and (failing := state.failing(t, cfg.repair.n)):
            groups[t.id] = vs.repair_requests(cfg, t, index, round_, failing)
            parents[t.id] = [cand.id for cand, _ in failing]
        else:
            state.commit("gen", t, round_, {})  # solved, or nothing to repair

    def make(t: Any, done: list) -> dict[str, list]:
        cands: list[Candidate] = []
        for j, ((role, request), completion) in enumerate(done):
            parent = parents[t.id][j] if role is Role.REPAIRER else ""
            cands += vs.to_candidates(t, role, completion, request.sampling, round_, parent)
        return {"candidates": cands}

    generate_and_commit(
        state, compute, groups, f"round {round_}: generate", progress, make, "gen", round_
    )


@task(cache_policy=NO_CACHE, name="verilog-verify")
def verify(state: VerilogState, compute: Compute, round_: int, progress: Progress) -> None:
    """Simulate this round's new designs against each task's golden RTL, in one pool batch."""
    pending = [t for t in state.tasks if not state.done("verify", t, round_)]
    new = {
        t.id: [c for c in state.solutions(t) if c.round == round_ and c.role in vs.DESIGN_ROLES]
        for t in pending
    }
    items = [vs.check_item(c.text, t.reference, c.id) for t in pending for c in new[t.id]]
    if pending:
        progress.note(f"round {round_}: verify {len(items)} designs")
    verdicts = iter(compute.check(items, state.limits))
    for t in pending:
        state.commit("verify", t, round_, {"verdicts": [next(verdicts) for _ in new[t.id]]})


@task(cache_policy=NO_CACHE, name="verilog-select")
def select(state: VerilogState) -> None:
    """Keep passing designs as samples, scored by their task's pass rate."""
    for t in state.tasks:
        if not state.done("select", t, 0):
            samples = vs.select_samples(state.config, t, state.judged(t), state.run_id)
            state.commit("select", t, 0, {"samples": samples})


def _originals(state: VerilogState, t: Any) -> list[Candidate]:
    chosen = {s.candidate_id for s in state.samples(t) if s.strategy == vs.REFERENCE}
    return [c for c, _ in state.judged(t) if c.id in chosen]


@task(cache_policy=NO_CACHE, name="verilog-roundtrip-spec")
def write_specs(state: VerilogState, compute: Compute, progress: Progress) -> None:
    """Round trip, step one: the model describes each selected design in prose."""
    groups: Groups = {}
    for index, t in enumerate(state.tasks):
        if state.done("rt-spec", t, 0):
            continue
        if originals := _originals(state, t):
            groups[t.id] = vs.spec_requests(state.config, t, index, originals)
        else:
            state.commit("rt-spec", t, 0, {})

    def make(t: Any, done: list) -> dict[str, list]:
        originals = _originals(state, t)
        cands: list[Candidate] = []
        for ((role, request), completion), orig in zip(done, originals, strict=True):
            cands += vs.to_candidates(
                t, role, completion, request.sampling, state.spec_round, orig.id, "specifier"
            )
        return {"candidates": cands}

    generate_and_commit(state, compute, groups, "round trip: specs", progress, make, "rt-spec", 0)


@task(cache_policy=NO_CACHE, name="verilog-roundtrip-check")
def roundtrip(state: VerilogState, compute: Compute, progress: Progress) -> None:
    """Round trip, step two: designs from each spec alone, simulated against the original; a
    (spec, original) sample is kept when one regenerated design is equivalent to it."""
    groups: Groups = {}
    pairs: dict[str, list[tuple[Candidate, Candidate]]] = {}
    for index, t in enumerate(state.tasks):
        if state.done("rt-check", t, 0):
            continue
        by_id = {c.id: c for c in _originals(state, t)}
        pairs[t.id] = [(s, by_id[s.parent_id]) for s in state.specs(t) if s.parent_id in by_id]
        if pairs[t.id]:
            groups[t.id] = vs.regen_requests(state.config, t, index, pairs[t.id])
        else:
            state.commit("rt-check", t, 0, {})

    def make(t: Any, done: list) -> dict[str, list]:
        regen: dict[tuple[str, str], tuple[Candidate, Candidate, Candidate]] = {}
        for ((role, request), completion), (spec, orig) in zip(done, pairs[t.id], strict=True):
            for cand in vs.to_candidates(
                t, role, completion, request.sampling, state.spec_round + 1, spec.id, "solver"
            ):
                regen.setdefault((cand.id, orig.id), (cand, spec, orig))
        trio = list(regen.values())
        items = [vs.check_item(c.text, vs.as_reference(o.text), c.id) for c, _, o in trio]
        checked = compute.check(items, state.limits)
        verdicts = [
            replace(v, against=f"roundtrip:{o.id}")
            for v, (_, _, o) in zip(checked, trio, strict=True)
        ]
        kept: dict[str, tuple[Candidate, Candidate, Verdict]] = {}
        for verdict, (_, spec, orig) in zip(verdicts, trio, strict=True):
            if verdict.passed:
                kept.setdefault(spec.id, (spec, orig, verdict))
        judged = state.judged(t)
        ref = {c.id: v for c, v in judged}
        rate = vs.pass_rate(judged)
        samples = vs.roundtrip_samples(t, list(kept.values()), ref, rate, state.run_id)
        cands = list({c.id: c for c, _, _ in trio}.values())
        return {"candidates": cands, "verdicts": verdicts, "samples": samples}

    generate_and_commit(
        state, compute, groups, "round trip: regenerate", progress, make, "rt-check", 0
    )


@flow(name="assay-verilog", log_prints=False)
def verilog_flow(config: RunConfig, quiet: bool = False) -> dict:
    """Specs → designs → simulation against golden RTL → repair rounds → samples (→ round trip)."""
    vs.check_tasks(load_tasks(config))  # before anything is committed
    progress = Progress(quiet)
    state = VerilogState.open(config)
    try:
        if not state.all_done():
            state.start()
            with RtlCompute.open(config, progress) as compute:
                compute.verifier = config.verilog.verifier
                compute.options = config.verilog.sim.options() or None
                for round_ in range(config.repair.rounds + 1):
                    generate(state, compute, round_, progress)
                    verify(state, compute, round_, progress)
                select(state)
                if config.verilog.roundtrip.enabled:
                    write_specs(state, compute, progress)
                    roundtrip(state, compute, progress)
        select(state)
    except BaseException:
        state.finish("failed")  # what was committed stays; a rerun resumes from it
        raise
    return state.finish()
