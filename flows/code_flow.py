"""The code domain as a Prefect flow: solve and test → check the matrix → select → repair → commit.

Prefect tasks are coarse (one stage over all pending tasks) and call Ray from inside, through
`Compute`. Each task's output of each stage is one atomic commit under a key naming the stage, the
task and the run config: a killed run resumes where it stopped, and a rerun commits nothing.
"""

# No `from __future__ import annotations` here: Prefect builds the flow's parameter model from
# these annotations when a deployment runs it, so they must be real objects, not strings.
from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from assay.flows import code_stages as st
from assay.flows.compute import Compute
from assay.flows.config import RunConfig
from assay.flows.progress import Progress
from assay.flows.state import RunState
from assay.schemas.records import Candidate, Role, Verdict
from assay.workers.api import Request


@task(cache_policy=NO_CACHE, name="generate")
def generate(state: RunState, compute: Compute, round_: int, progress: Progress) -> None:
    """Round 0: solver and tester samples; later rounds: repairs of failing solutions."""
    cfg = state.config
    groups: dict[str, list[tuple[Role, Request]]] = {}
    parents: dict[str, list[str]] = {}
    for index, t in enumerate(state.tasks):
        if state.done("gen", t, round_):
            continue
        if round_ == 0:
            groups[t.id] = st.first_requests(cfg, t, index)
        elif not state.solved(t) and (failing := state.failing(t, cfg.repair.n)):
            tests = state.pool(t).codes
            groups[t.id] = st.repair_requests(cfg, t, index, round_, failing, tests)
            parents[t.id] = [cand.id for cand, _ in failing]
        else:
            state.commit("gen", t, round_, {})  # nothing to repair: the stage is done
    if not groups:
        return
    bar = progress.stage(f"round {round_}: generate", len(groups))
    for task_id, completions in compute.generate(groups):
        t = state.task(task_id)
        cands: list[Candidate] = []
        for j, ((role, request), completion) in enumerate(
            zip(groups[task_id], completions, strict=True)
        ):
            parent = parents[task_id][j] if role is Role.REPAIRER else ""
            cands += st.to_candidates(
                t,
                role,
                completion,
                request.sampling,
                round_,
                parent,
                max_tests=cfg.tester.max_tests,
            )
        state.commit("gen", t, round_, {"candidates": cands})
        bar.advance(t.name)
    bar.close()


@task(cache_policy=NO_CACHE, name="verify")
def verify(state: RunState, compute: Compute, round_: int, progress: Progress) -> None:
    """Validate generated tests on the reference (round 0), then run new solutions on the pool."""
    pending = [t for t in state.tasks if not state.done("verify", t, round_)]
    if not pending:
        return
    bar = progress.stage(f"round {round_}: verify", len(pending))
    for t in pending:
        checks: list[Verdict] = []
        testers = state.candidates(t, Role.TESTER)
        if round_ == 0 and testers and t.reference and not state.done("validate", t, 0):
            items = [st.check_item(t, t.reference, c.text.splitlines(), c.id) for c in testers]
            checks = [
                st.named_by_tests(v, c.text.splitlines())
                for c, v in zip(testers, compute.check(items, state.limits), strict=True)
            ]
            state.commit("validate", t, round_, {"verdicts": checks})
        pool = state.pool(t)
        new = [c for c in state.solutions(t) if c.round == round_]
        items = [st.check_item(t, c.text, pool.codes, c.id) for c in new]
        verdicts = compute.check(items, state.limits) if items and pool.tests else []
        state.commit(
            "verify", t, round_, {"verdicts": [st.with_context(v, pool) for v in verdicts]}
        )
        bar.advance(t.name)
    bar.close()


@task(cache_policy=NO_CACHE, name="select")
def select(state: RunState, progress: Progress) -> None:
    """Choose the samples to keep from every round's verified solutions."""
    for t in state.tasks:
        if state.done("select", t, 0):
            continue
        samples = st.select_samples(state.config, t, state.matrix(t), state.run_id)
        state.commit("select", t, 0, {"samples": samples})


@flow(name="assay-code", log_prints=False)
def code_flow(config: RunConfig, quiet: bool = False) -> dict:
    """Tasks → solver and tester samples → matrix → select → repair rounds → samples."""
    progress = Progress(quiet)
    state = RunState.open(config)
    try:
        if not state.all_done():
            state.start()
            with Compute.open(config, progress) as compute:
                for round_ in range(config.repair.rounds + 1):
                    generate(state, compute, round_, progress)
                    verify(state, compute, round_, progress)
        select(state, progress)
    except BaseException:
        state.finish("failed")  # what was committed stays; a rerun resumes from it
        raise
    return state.finish()
