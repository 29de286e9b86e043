"""The translation domain as a Prefect flow (MuSL): serial C/C++ sources → model test drivers →
validation on the source → OpenMP translations → co-verification against trusted and validated
drivers → `translation.rounds` rounds, each shown the last round's failures → samples.

Same machinery as the verilog flow: coarse Prefect tasks calling Ray through `Compute`, every
check by the registered `translation` verifier, and each task's output of each stage committed
atomically under a key naming stage, task, round and run config, so a killed run resumes.
"""

# No `from __future__ import annotations`: Prefect reads these annotations at deployment time.
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from assay.flows import translation_stages as ts
from assay.flows.compute import Compute
from assay.flows.config import RunConfig
from assay.flows.generation import Groups, generate_and_commit
from assay.flows.progress import Progress
from assay.flows.sources import load_tasks
from assay.flows.translation_state import TranslationState
from assay.schemas.records import Candidate, Role


class TranslationCompute(Compute):
    """`Compute` whose checks go to the `translation` verifier on the same Ray pool."""

    verifier = ts.VERIFIER


def _make(
    role: Role, round_: int, names: dict[str, list[str]], parents: dict[str, list[str]]
) -> Callable[[Any, list], dict[str, list[Candidate]]]:
    """Turns a task's completions into candidates; `names[task][j]` is request j's role name,
    `parents[task][j]` the failing translation a repair was shown."""

    def make(t: Any, done: list) -> dict[str, list[Candidate]]:
        cands: list[Candidate] = []
        for j, ((_, request), completion) in enumerate(done):
            name = names[t.id][j]
            parent = parents.get(t.id, [""] * len(done))[j]
            cands += ts.to_candidates(t, role, name, completion, request.sampling, round_, parent)
        return {"candidates": cands}

    return make


@task(cache_policy=NO_CACHE, name="translation-write-tests")
def write_tests(state: TranslationState, compute: Compute, round_: int, progress: Progress) -> None:
    """Tester: `tester.n` drivers per task; after round 0 shown a rejected driver and why."""
    groups: Groups = {}
    names: dict[str, list[str]] = {}
    for index, t in enumerate(state.tasks):
        if state.done("tgen", t, round_):
            continue
        if state.config.tester.n == 0:
            state.commit("tgen", t, round_, {})
            continue
        rejected = state.rejected(t, round_ - 1) if round_ else []
        groups[t.id] = ts.tester_requests(state.config, t, index, round_, rejected)
        names[t.id] = [ts.TESTER]
    make = _make(Role.TESTER, round_, names, {})
    label = f"round {round_}: tests"
    generate_and_commit(state, compute, groups, label, progress, make, "tgen", round_)


@task(cache_policy=NO_CACHE, name="translation-check-tests")
def check_tests(state: TranslationState, compute: Compute, round_: int, progress: Progress) -> None:
    """Validate this round's drivers on the serial source (the verifier's own validation)."""
    note = "validate {n} test drivers on the sources"
    _check_round(
        state, compute, round_, progress, "tcheck", ts.VALIDATED, note,
        state.drivers, ts.validation_item,
    )  # fmt: skip


@task(cache_policy=NO_CACHE, name="translation-generate")
def generate(state: TranslationState, compute: Compute, round_: int, progress: Progress) -> None:
    """Translator: round 0 samples; later rounds repair last round's failures of unsolved tasks
    (fresh samples where nothing decided failed)."""
    cfg = state.config
    groups: Groups = {}
    names: dict[str, list[str]] = {}
    parents: dict[str, list[str]] = {}
    for index, t in enumerate(state.tasks):
        if state.done("gen", t, round_):
            continue
        if round_ and state.solved(t):
            state.commit("gen", t, round_, {})
            continue
        failing = ts.failing_for_repair(state.judged(t), round_ - 1, cfg.repair.n) if round_ else []
        if failing:
            groups[t.id] = ts.repair_requests(cfg, t, index, round_, failing)
            names[t.id] = ["repairer"] * len(failing)
            parents[t.id] = [c.id for c, _ in failing]
        else:
            groups[t.id] = ts.translator_requests(cfg, t, index, round_)
            names[t.id] = [ts.TRANSLATOR]
    label = f"round {round_}: translate"
    make = _make(Role.TRANSLATOR, round_, names, parents)
    generate_and_commit(state, compute, groups, label, progress, make, "gen", round_)


@task(cache_policy=NO_CACHE, name="translation-verify")
def verify(state: TranslationState, compute: Compute, round_: int, progress: Progress) -> None:
    """Co-verify this round's translations against trusted + validated drivers, one batch."""
    _check_round(
        state, compute, round_, progress, "verify", ts.SUITE, "co-verify {n} translations",
        state.translations, lambda t, c: ts.check_item(t, c.text, state.suite(t, round_), c.id),
    )  # fmt: skip


def _check_round(
    state: TranslationState,
    compute: Compute,
    round_: int,
    progress: Progress,
    stage: str,
    against: str,
    note: str,
    candidates: Callable[[Any], list[Candidate]],
    item: Callable[[Any, Candidate], dict[str, Any]],
) -> None:
    """Check this round's `candidates` of every task not yet done at `stage` in one batch, and
    commit each task's verdicts, marked `against`; `note` tells how many (`{n}`)."""
    pending = [t for t in state.tasks if not state.done(stage, t, round_)]
    new = {t.id: [c for c in candidates(t) if c.round == round_] for t in pending}
    items = [item(t, c) for t in pending for c in new[t.id]]
    if items:
        progress.note(f"round {round_}: " + note.format(n=len(items)))
    verdicts = iter(compute.check(items, state.limits))
    for t in pending:
        got = [replace(next(verdicts), against=against) for _ in new[t.id]]
        state.commit(stage, t, round_, {"verdicts": got})


@task(cache_policy=NO_CACHE, name="translation-select")
def select(state: TranslationState) -> None:
    """Translator rows (source, translation, drivers) and tester rows (source, driver, ...)."""
    for t in state.tasks:
        if not state.done("select", t, 0):
            rows = ts.select_samples(t, state.judged(t), state.validated(t), state.run_id)
            state.commit("select", t, 0, {"samples": rows})


def run_rounds(state: TranslationState, compute: Compute, progress: Progress) -> None:
    """Every round's four stages, then selection (the flow's body, callable without Prefect)."""
    for round_ in range(state.config.translation.rounds):
        for stage in (write_tests, check_tests, generate, verify):
            stage.fn(state, compute, round_, progress)
    select.fn(state)


@flow(name="assay-translation", log_prints=False)
def translation_flow(config: RunConfig, quiet: bool = False) -> dict:
    """Sources → tests → validation → translations → co-verification, `rounds` times → samples."""
    ts.check_tasks(load_tasks(config))  # before anything is committed
    progress = Progress(quiet)
    state = TranslationState.open(config)
    try:
        if not state.all_done():
            state.start()
            with TranslationCompute.open(config, progress) as compute:
                for round_ in range(config.translation.rounds):
                    write_tests(state, compute, round_, progress)
                    check_tests(state, compute, round_, progress)
                    generate(state, compute, round_, progress)
                    verify(state, compute, round_, progress)
        select(state)
    except BaseException:
        state.finish("failed")  # what was committed stays; a rerun resumes from it
        raise
    return state.finish()
