"""The code domain's flow parts: per task, solve and test → check the matrix → repair rounds →
select. The engine runs `program` for many tasks at once; each stage of a task is committed
atomically under a key naming the stage, the task and the round, so a killed run resumes where
it stopped and a rerun commits nothing.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from assay.flows.config import RunConfig
from assay.flows.domains.code import labels as lb
from assay.flows.domains.code import stages as st
from assay.flows.domains.code import votes
from assay.flows.domains.code.importers import ImportFormatError
from assay.flows.domains.code.importers import load as load_file
from assay.flows.domains.code.languages import (
    PROGRAM_OUTPUTS,
    check_language,
    other_solutions,
    outputs_verifier,
    program_outputs_item,
    verifier_of,
)
from assay.flows.domains.code.state import INPUTS, TRUSTED, CodeState
from assay.flows.engine import domain_flow
from assay.flows.engine.budget import WAVE_CHECK
from assay.flows.engine.domain_flow import Rounds, importer, repair_rounds, select
from assay.flows.engine.steps import Check, Op, Program
from assay.flows.sources import TaskFileError
from assay.schemas.records import Candidate, Role, Sample, Task, Verdict

if TYPE_CHECKING:
    from assay.flows.runner import Summary


load = importer("code", load_file, (ImportFormatError,))


def check_tasks(tasks: list[Task], config: RunConfig) -> None:
    """Function tasks need nothing beyond what the task file validator checked, save a name to
    call when labelled, and Python (`languages.check_language`); a stdin/stdout task needs
    input/output pairs (or labelling, which makes them) and a known checker. Labelling records
    outputs of Python programs only: a task in another language, or judged by a checker
    program, needs its tests given."""
    from assay.flows.roles.stdio import is_stdio
    from assay.verifiers.python.stdio import decode_test

    for t in tasks:
        check_language(t, config)
        if lb.applies(t, config.tester.labels) and not is_stdio(t) and not t.entry_point:
            raise TaskFileError(
                f"task {t.name!r} ({t.source}): field entry_point: labelling by agreement "
                "(tester.labels) calls the function by name, and this task names none"
            )
    for t in (t for t in tasks if is_stdio(t)):
        if not t.tests and not lb.applies(t, config.tester.labels):
            raise TaskFileError(
                f"task {t.name!r} ({t.source}): field tests: a stdin/stdout task needs "
                "input/output pairs to be checked against; give them (input_output), or set "
                "tester.labels.when: untested to make them by agreement of sampled solutions"
            )
        if lb.applies(t, config.tester.labels) and isinstance(t.meta.get("checker"), dict):
            raise TaskFileError(
                f"task {t.name!r} ({t.source}): field meta.checker: labels by agreement group "
                "outputs by the task's comparison (tokens, exact, floats), and a checker program "
                "judges an output against an answer instead; give its tests, or set "
                "tester.labels.when: never"
            )
        for i, test in enumerate(t.tests):
            try:
                decode_test(test)
            except ValueError as exc:
                raise TaskFileError(
                    f"task {t.name!r} ({t.source}): field tests.{i}: {exc}"
                ) from None


def open_state(config: RunConfig, tasks: list[Task] | None = None) -> CodeState:
    return CodeState.open(config, tasks)


def verifier(config: RunConfig) -> tuple[str, dict[str, Any] | None]:
    return "python", None


def program(state: CodeState, t: Task, index: int) -> Program:
    """Every round of one task, then its selection; each step skips what is committed."""
    yield from repair_rounds(state, t, index, ROUNDS)
    select(state, t, lambda: _select(state, t))


def _select(state: CodeState, t: Task) -> list[Sample]:
    """The chosen samples; a majority vote on labelled tests groups outputs by signature."""
    matrix = state.matrix(t)
    outputs = None
    if lb.applies(t, state.config.tester.labels) and state.config.select.strategy == "majority":
        ids = [c.id for c in matrix.solutions]
        outputs = lb.signatures(t, ids, state.output_records(t))
    return st.select_samples(state.config, t, matrix, state.run_id, outputs)


def _inputs(state: CodeState, t: Task) -> Program:
    """Run each input-generator program (and its validator) in the sandbox; the kept inputs
    are in the verdicts' evidence."""
    if state.done("inputs", t, 0):
        return
    generators = state.candidates(t, Role.INPUTGEN)
    items = [lb.inputs_item(c, t, state.config.tester.labels) for c in generators]
    verdicts: list[Verdict] = yield Check(items, verifier=INPUTS)
    verdicts = [replace(v, against="generator") for v in verdicts]
    state.commit("inputs", t, 0, {"verdicts": verdicts})


def _outputs(
    state: CodeState, t: Task, solutions: list[Candidate]
) -> Generator[Op, Any, list[Verdict]]:
    """Record what `solutions` output on the kept inputs (committed by the caller)."""
    inputs = list(state.inputs(t))
    if not inputs:
        return []
    cfg = state.config.tester.labels
    items = [lb.outputs_item(c, t, inputs, cfg) for c in solutions]
    records: list[Verdict] = yield Check(items, verifier=outputs_verifier(t))
    return [replace(v, against=lb.inputs_key(inputs)) for v in records]


def _labels(state: CodeState, t: Task) -> Program:
    """Run the round-0 solutions on the kept inputs; the labels follow from their outputs. A task
    with trusted tests but no reference runs them on those tests too: only the ones that pass vote
    (with a reference, labelled tests are validated on it instead, in `_verify`)."""
    if state.done("labels", t, 0):
        return
    first = [c for c in state.solutions(t) if c.round == 0]
    records = yield from _outputs(state, t, first)
    inputs, cfg = list(state.inputs(t)), state.config.tester.labels
    others = other_solutions(t) if inputs else []
    items = [program_outputs_item(t, code, inputs, vid, cfg.max_input_bytes, lang)
             for vid, lang, code in others]  # fmt: skip
    if items:  # the task's own solutions in other languages vote too
        voted: list[Verdict] = yield Check(items, verifier=PROGRAM_OUTPUTS)
        records += [replace(v, against=lb.inputs_key(inputs)) for v in voted]
    if records and t.tests and not t.reference:
        items = [st.check_item(t, c.text, list(t.tests), c.id) for c in first]
        checked: list[Verdict] = yield Check(items, verifier=verifier_of(t))
        records += [replace(v, against=TRUSTED) for v in checked]
    state.commit("labels", t, 0, {"verdicts": records})


def _votes(state: CodeState, t: Task) -> Program:
    """A task with trusted tests and no reference: run each round-0 solution on the trusted
    tests and every tester assert; the pool keeps the asserts most of those that pass the
    trusted tests pass (`votes.backed`). Committed even with nothing to vote on: the pool
    reads the stage's presence (`CodeState.pool`)."""
    if not votes.applies(t) or state.done(votes.VOTES, t, 0):
        return
    tests = votes.vote_tests(t, state.candidates(t, Role.TESTER))
    first = [c for c in state.solutions(t) if c.round == 0 and c.wave == 0]
    asserts = len(tests) > len(set(t.tests))  # more than the trusted tests restated
    items = [st.check_item(t, c.text, tests, c.id) for c in first] if asserts else []
    checked: list[Verdict] = yield Check(items, verifier=verifier_of(t))
    named = [st.named_by_tests(v, tests, votes.VOTES) for v in checked]
    state.commit(votes.VOTES, t, 0, {"verdicts": named})


def _verify(state: CodeState, t: Task, round_: int) -> Program:
    """Labelled tasks' inputs and labels (round 0), then: validate generated tests on the
    reference, or without one by the votes of the solutions that pass the trusted tests
    (round 0), run new solutions on the pool."""
    if round_ == 0 and lb.applies(t, state.config.tester.labels):
        yield from _inputs(state, t)
        yield from _labels(state, t)
    if state.done("verify", t, round_):
        return
    suites = state.validation_suites(t) if round_ == 0 and t.reference else []
    if suites and not state.done("validate", t, 0):
        items = [st.check_item(t, t.reference, tests, cid) for cid, tests in suites]
        checked: list[Verdict] = yield Check(items, verifier=verifier_of(t))
        named = [st.named_by_tests(v, tests) for (_, tests), v in zip(suites, checked, strict=True)]
        state.commit("validate", t, round_, {"verdicts": named})
    if round_ == 0:
        yield from _votes(state, t)
    new = [c for c in state.solutions(t) if c.round == round_]
    verdicts = yield from _on_pool(state, t, new, round_ > 0)  # repairs' outputs too
    state.commit("verify", t, round_, {"verdicts": verdicts})


def _on_pool(
    state: CodeState, t: Task, new: list[Candidate], outputs: bool
) -> Generator[Op, Any, list[Verdict]]:
    """`new` solutions run on the task's pool; with `outputs`, on a task labelled by agreement,
    their outputs on the kept inputs too (for majority votes, as round 0's are)."""
    pool = state.pool(t)
    items = [st.check_item(t, c.text, pool.codes, c.id) for c in new] if pool.tests else []
    verdicts: list[Verdict] = yield Check(items, verifier=verifier_of(t))
    verdicts = [st.with_context(v, pool) for v in verdicts]
    if outputs and state.done("labels", t, 0):
        verdicts += yield from _outputs(state, t, new)
    return verdicts


def _passes(state: CodeState, t: Task, wave: int) -> int:
    """Verified round-0 solutions sampled before `wave` (dart's stop rule and pass rate)."""
    matrix = state.matrix(t)
    return sum(
        1
        for i in matrix.verified()
        if matrix.solutions[i].round == 0 and matrix.solutions[i].wave < wave
    )


def _check_wave(state: CodeState, t: Task, wave: int) -> Program:
    """Wave `wave`'s new solutions against the task's pool (fixed after round 0); on a task
    labelled by agreement, their outputs on the kept inputs too."""
    if state.done(WAVE_CHECK, t, wave):
        return
    new = [c for c in state.solutions(t) if c.round == 0 and c.wave == wave]
    verdicts = yield from _on_pool(state, t, new, True)
    state.commit(WAVE_CHECK, t, wave, {"verdicts": verdicts})


ROUNDS = Rounds(
    first=lambda state, t, index: st.first_requests(state.config, t, index),
    repair=lambda state, t, index, round_, failing: st.repair_requests(
        state.config, t, index, round_, failing, state.pool(t).codes
    ),
    extract=lambda state, t, role, request, completion, round_, parent: st.to_candidates(
        t, role, completion, request.sampling, round_, parent, state.config.tester.max_tests
    ),
    verify=_verify,
    passes=_passes,
    check_wave=_check_wave,
)


def print_summary(summary: Summary) -> None:
    c = summary.counts
    rate = c["verdicts_pass"] / c["verdicts"] if c.get("verdicts") else 0.0
    domain_flow.print_summary(
        summary,
        [
            f"tasks       {c['tasks']} ({c['tasks_solved']} with a verified sample)",
            f"candidates  {c['solutions']} solutions, {c['tests']} test suites",
            f"verdicts    {c['verdicts']} ({c['verdicts_pass']} pass, {rate:.0%})",
        ],
        [
            "SELECT count(*) FROM samples",
            "SELECT task_id, strategy, score, left(response, 60) AS response FROM samples",
        ],
    )
