"""The translation domain's flow parts (MuSL): per task, `translation.rounds` rounds of write
tests → validate them on the serial source → translate (or repair last round's failures) →
co-verify against the trusted and validated drivers, then select. Every check is by the
`translation` verifier; each stage of a task is committed atomically under a key naming the
stage, the task and the round, so a killed run resumes where it stopped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assay.flows.config import RunConfig
from assay.flows.domains.translation import stages as ts
from assay.flows.domains.translation.config import TranslationFlowConfig
from assay.flows.domains.translation.importers import ParEvalImportError, load_pareval
from assay.flows.domains.translation.state import TranslationState
from assay.flows.domains.translation.summary import print_summary
from assay.flows.engine.budget import WAVE_CHECK, Budget
from assay.flows.engine.domain_flow import (
    checked,
    importer,
    repair_grant,
    select,
    task_checks,
    wave_passes,
)
from assay.flows.engine.steps import Generate, Program
from assay.flows.engine.waves import run_waves
from assay.flows.state import RunState
from assay.schemas.records import Candidate, Role, Task

if TYPE_CHECKING:
    from assay.workers.api import Completion, Request

__all__ = ["check_tasks", "load", "open_state", "print_summary", "program", "verifier"]


load = importer("translation", lambda path, _: load_pareval(path), (ParEvalImportError,))
check_tasks = task_checks(lambda tasks, _: ts.check_tasks(tasks), (ts.TranslationTaskError,))


def open_state(config: RunConfig, tasks: list[Task] | None = None) -> RunState:
    return TranslationState.open(config, tasks)


def verifier(config: RunConfig) -> tuple[str, dict[str, Any] | None]:
    return ts.VERIFIER, None


WAVES = True  # samples in dart waves (`solver.policy: dart`) after round 0


def program(state: TranslationState, t: Task, index: int) -> Program:
    """Every round of one task (round 0's dart waves after it), then its selection; each step
    skips what is committed."""
    for round_ in range(state.config.section(TranslationFlowConfig).rounds):
        yield from _write_tests(state, t, index, round_)
        yield from _check_tests(state, t, round_)
        yield from _translate(state, t, index, round_)
        yield from _verify(state, t, round_)
        if round_ == 0 and state.budget is not None:
            yield from _waves(state, t, index, state.budget)
    select(
        state, t, lambda: ts.select_samples(t, state.judged(t), state.validated(t), state.run_id)
    )


def _write_tests(state: TranslationState, t: Task, index: int, round_: int) -> Program:
    """Tester: `tester.n` drivers; after round 0 shown a rejected driver and why."""
    if state.done("tgen", t, round_):
        return
    if state.config.tester.n == 0:
        state.commit("tgen", t, round_, {})
        return
    rejected = state.rejected(t, round_ - 1) if round_ else []
    pairs = ts.tester_requests(state.config, t, index, round_, rejected)
    yield from _generate(state, t, round_, "tgen", Role.TESTER, pairs, [ts.TESTER], [""])


def _translate(state: TranslationState, t: Task, index: int, round_: int) -> Program:
    """Translator: round 0 samples; later rounds repair last round's failures of an unsolved
    task (fresh samples where nothing decided failed)."""
    cfg = state.config
    if state.done("gen", t, round_):
        return
    if round_ and state.solved(t):
        state.commit("gen", t, round_, {})
        return
    failing = ts.failing_for_repair(state.judged(t), round_ - 1, cfg.repair.n) if round_ else []
    budget = state.budget
    if (
        round_
        and budget is not None
        and not (failing and (yield from repair_grant(state, t, index, round_, budget)))
    ):  # under dart fresh samples come in waves; a repair draws on the budget
        state.commit("gen", t, round_, {})
        return
    if failing:
        pairs = ts.repair_requests(cfg, t, index, round_, failing)
        names, parents = ["repairer"] * len(failing), [c.id for c, _ in failing]
    else:
        pairs = ts.translator_requests(cfg, t, index, round_)
        names, parents = [ts.TRANSLATOR], [""]
    yield from _generate(state, t, round_, "gen", Role.TRANSLATOR, pairs, names, parents)


def _generate(
    state: TranslationState,
    t: Task,
    round_: int,
    stage: str,
    role: Role,
    pairs: list[tuple[Role, Request]],
    names: list[str],
    parents: list[str],
) -> Program:
    """Sample `pairs` and commit their candidates at `stage`; request j is role `names[j]`, and
    `parents[j]` the failing translation a repair was shown ('' for none)."""
    completions = yield Generate([request for _, request in pairs])
    cands: list[Candidate] = []
    for j, ((_, request), completion) in enumerate(zip(pairs, completions, strict=True)):
        cands += ts.to_candidates(
            t, role, names[j], completion, request.sampling, round_, parents[j]
        )
    state.commit(stage, t, round_, {"candidates": cands})


def _waves(state: TranslationState, t: Task, index: int, budget: Budget) -> Program:
    """Round 0's dart waves: fresh translations while the budget grants them, each checked
    against round 0's suite."""

    def extract(role: Role, request: Request, completion: Completion) -> list[Candidate]:
        return ts.to_candidates(t, role, ts.TRANSLATOR, completion, request.sampling, 0)

    def check(wave: int) -> Program:
        new = [c for c in state.translations(t) if c.round == 0 and c.wave == wave]
        suite = state.suite(t, 0)
        items = [ts.check_item(t, c.text, suite, c.id) for c in new]
        yield from checked(state, t, wave, WAVE_CHECK, items, ts.SUITE)

    yield from run_waves(
        state,
        t,
        index,
        budget,
        lambda: ts.translator_requests(state.config, t, index, 0),
        extract,
        lambda wave: wave_passes(state.judged(t), wave),
        check,
    )


def _check_tests(state: TranslationState, t: Task, round_: int) -> Program:
    """Validate this round's drivers on the serial source (the verifier's own validation)."""
    new = [c for c in state.drivers(t) if c.round == round_]
    items = [ts.validation_item(t, c) for c in new]
    yield from checked(state, t, round_, "tcheck", items, ts.VALIDATED)


def _verify(state: TranslationState, t: Task, round_: int) -> Program:
    """Co-verify this round's translations against the trusted drivers and every driver
    validated up to this round."""
    new = [c for c in state.translations(t) if c.round == round_]
    suite = state.suite(t, round_)
    items = [ts.check_item(t, c.text, suite, c.id) for c in new]
    yield from checked(state, t, round_, "verify", items, ts.SUITE)
