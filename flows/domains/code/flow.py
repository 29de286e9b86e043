"""The code domain's flow parts: per task, solve and test → check the matrix → repair rounds →
select. The engine runs `program` for many tasks at once; each stage of a task is committed
atomically under a key naming the stage, the task and the round, so a killed run resumes where
it stopped and a rerun commits nothing.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assay.flows.config import RunConfig
from assay.flows.domains.code import labels as lb
from assay.flows.domains.code import stages as st
from assay.flows.domains.code.state import INPUTS, OUTPUTS, TRUSTED, CodeState
from assay.flows.engine.ops import Check, Op, Program
from assay.flows.engine.repair import generate_round
from assay.flows.output import samples_line
from assay.flows.sources import TaskFileError
from assay.schemas.records import Candidate, Role, Task, Verdict

if TYPE_CHECKING:
    from assay.flows.runner import Summary


def load(path: Path, format: str) -> list[Task]:
    """HumanEval- and MBPP-style task files."""
    from assay.flows.domains.code.importers import ImportFormatError
    from assay.flows.domains.code.importers import load as load_file

    try:
        return load_file(path, format)
    except ImportFormatError as exc:
        raise TaskFileError(str(exc)) from None


def check_tasks(tasks: list[Task], config: RunConfig) -> None:
    """Function tasks need nothing beyond what the task file validator checked, save a name to
    call when labelled; a stdin/stdout task needs input/output pairs (or labelling, which makes
    them) and a known checker."""
    from assay.flows.roles.stdio import is_stdio
    from assay.verifiers.stdio_check import CHECKERS, decode_test

    for t in tasks:
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
        checker = t.meta.get("checker", "tokens")
        if checker not in CHECKERS:
            raise TaskFileError(
                f"task {t.name!r} ({t.source}): field meta.checker: {checker!r} is not one of "
                f"{list(CHECKERS)}"
            )
        for i, test in enumerate(t.tests):
            try:
                decode_test(test)
            except ValueError as exc:
                raise TaskFileError(
                    f"task {t.name!r} ({t.source}): field tests.{i}: {exc}"
                ) from None


def open_state(config: RunConfig) -> CodeState:
    return CodeState.open(config)


def verifier(config: RunConfig) -> tuple[str, dict[str, Any] | None]:
    return "python", None


def program(state: CodeState, t: Task, index: int) -> Program:
    """Every round of one task, then its selection; each step skips what is committed."""
    labelled = lb.applies(t, state.config.tester.labels)
    for round_ in range(state.config.repair.rounds + 1):
        yield from _generate(state, t, index, round_)
        if labelled and round_ == 0:
            yield from _inputs(state, t)
            yield from _labels(state, t)
        yield from _verify(state, t, round_)
    if not state.done("select", t, 0):
        matrix = state.matrix(t)
        outputs = None
        if labelled and state.config.select.strategy == "majority":
            ids = [c.id for c in matrix.solutions]
            outputs = lb.signatures(t, ids, state.output_records(t))
        samples = st.select_samples(state.config, t, matrix, state.run_id, outputs)
        state.commit("select", t, 0, {"samples": samples})


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
    records: list[Verdict] = yield Check(items, verifier=OUTPUTS)
    return [replace(v, against=lb.inputs_key(inputs)) for v in records]


def _labels(state: CodeState, t: Task) -> Program:
    """Run the round-0 solutions on the kept inputs; the labels follow from their outputs. A task
    with trusted tests but no reference runs them on those tests too: only the ones that pass vote
    (with a reference, labelled tests are validated on it instead, in `_verify`)."""
    if state.done("labels", t, 0):
        return
    first = [c for c in state.solutions(t) if c.round == 0]
    records = yield from _outputs(state, t, first)
    if records and t.tests and not t.reference:
        items = [st.check_item(t, c.text, list(t.tests), c.id) for c in first]
        checked: list[Verdict] = yield Check(items)
        records += [replace(v, against=TRUSTED) for v in checked]
    state.commit("labels", t, 0, {"verdicts": records})


def _generate(state: CodeState, t: Task, index: int, round_: int) -> Program:
    """Round 0: solver and tester samples; later rounds: repairs of failing solutions."""
    cfg = state.config
    yield from generate_round(
        state,
        t,
        round_,
        lambda: st.first_requests(cfg, t, index),
        lambda failing: st.repair_requests(cfg, t, index, round_, failing, state.pool(t).codes),
        lambda role, request, completion, parent: st.to_candidates(
            t, role, completion, request.sampling, round_, parent, max_tests=cfg.tester.max_tests
        ),
    )


def _verify(state: CodeState, t: Task, round_: int) -> Program:
    """Validate generated tests on the reference (round 0), then run new solutions on the pool."""
    if state.done("verify", t, round_):
        return
    suites = state.validation_suites(t) if round_ == 0 and t.reference else []
    if suites and not state.done("validate", t, 0):
        items = [st.check_item(t, t.reference, tests, cid) for cid, tests in suites]
        checked: list[Verdict] = yield Check(items)
        named = [st.named_by_tests(v, tests) for (_, tests), v in zip(suites, checked, strict=True)]
        state.commit("validate", t, round_, {"verdicts": named})
    pool = state.pool(t)
    new = [c for c in state.solutions(t) if c.round == round_]
    items = [st.check_item(t, c.text, pool.codes, c.id) for c in new] if pool.tests else []
    verdicts: list[Verdict] = yield Check(items)
    verdicts = [st.with_context(v, pool) for v in verdicts]
    if round_ > 0 and state.done("labels", t, 0):  # repairs' outputs too, for majority votes
        verdicts += yield from _outputs(state, t, new)
    state.commit("verify", t, round_, {"verdicts": verdicts})


def print_summary(summary: Summary) -> None:
    c = summary.counts
    rate = c["verdicts_pass"] / c["verdicts"] if c.get("verdicts") else 0.0
    ds = c["dataset"]
    print(
        f"\nassay run {c['run_id']}: {summary.state} in {summary.seconds:.0f}s\n"
        f"  tasks       {c['tasks']} ({c['tasks_solved']} with a verified sample)\n"
        f"  candidates  {c['solutions']} solutions, {c['tests']} test suites\n"
        f"  verdicts    {c['verdicts']} ({c['verdicts_pass']} pass, {rate:.0%})\n"
        f"{samples_line(c)}"
        f"  dataset     {ds}\n"
        f'\nTry:\n  assay sql "SELECT count(*) FROM samples" --dataset {ds}\n'
        f'  assay sql "SELECT task_id, strategy, score, left(response, 60) AS response '
        f'FROM samples" --dataset {ds}'
    )
