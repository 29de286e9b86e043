"""Pure steps of the code flow: requests out, candidates in, checks to run, samples to keep.

Nothing here runs a model or a check; `code_flow` wires these to Ray and the store.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import replace
from functools import partial
from typing import Any

from assay.flows.config import RoleSampling, RunConfig
from assay.flows.domains.code import labels as lb
from assay.flows.domains.code.languages import PROGRAM, program_item, verifier_of
from assay.flows.domains.code.pool import Matrix, TestPool
from assay.flows.engine.domain_flow import extracted, repairs
from assay.flows.engine.sampling import sampling_for
from assay.flows.roles import get_role
from assay.flows.roles import inputgen as _inputgen  # noqa: F401 - registers the role
from assay.flows.roles.asserts import extract_tests
from assay.flows.roles.stdio import is_stdio
from assay.flows.select.choose import choose
from assay.schemas.records import Candidate, Level, Role, Sample, Task, Verdict
from assay.workers.api import Completion, Request, Sampling


def first_requests(cfg: RunConfig, task: Task, index: int) -> list[tuple[Role, Request]]:
    """Round 0: n solver samples and n tester samples for one task; for a task labelled by
    agreement also input-generator programs, and at least `labels.solutions` solver samples
    (the solutions that vote on outputs)."""
    labels = cfg.tester.labels
    solver: RoleSampling = cfg.solver
    out: list[tuple[Role, RoleSampling, str]] = []
    if lb.applies(task, labels):
        solver = cfg.solver.model_copy(update={"n": max(cfg.solver.n, labels.solutions)})
        gen = RoleSampling(
            n=labels.generators,
            temperature=labels.temperature,
            top_p=cfg.tester.top_p,
            max_tokens=labels.max_tokens,
            seed=cfg.tester.seed,
        )
        out.append((Role.INPUTGEN, gen, "inputgen"))
    out.insert(0, (Role.SOLVER, solver, "solver"))
    if cfg.tester.n > 0 and not is_stdio(task):  # model-written asserts do not fit programs
        out.append((Role.TESTER, cfg.tester, "tester"))
    requests = []
    for role, section, name in out:
        sampling = sampling_for(section, 1000 * index)
        key = f"{task.id}:{name}"
        context = {"max_scale": labels.max_scale} if role is Role.INPUTGEN else {}
        requests.append((role, get_role("code", name).build(task, sampling, key=key, **context)))
    return with_artefacts(requests, task, cfg.tester.max_tests)


def repair_requests(
    cfg: RunConfig,
    task: Task,
    index: int,
    round_: int,
    failing: list[tuple[Candidate, Verdict]],
    tests: list[str],
) -> list[tuple[Role, Request]]:
    """Round k: one repair request per failing solution, fed its failure evidence (UnitCoder).

    `tests` are the pool's assert texts in the order of each verdict's outcomes."""
    pairs = repairs(
        cfg, task, index, round_, failing, get_role("code", "repairer").build, tests=tests
    )
    return with_artefacts(pairs, task, cfg.tester.max_tests)


def artefact(raw: str, task: Task, role: Role, max_tests: int) -> str | None:
    """What one completion text of `role` holds: its program, or its asserts (a line each);
    None when nothing is usable. It parses the text, so the replica runs it
    (`workers.api.read_out`)."""
    found = (
        extract_tests(raw, task, limit=max_tests)
        if role is Role.TESTER
        else get_role("code", role.value).extract(raw, task)
    )
    if not found:
        return None
    return "\n".join(found) if isinstance(found, list) else str(found)


def with_artefacts(
    pairs: list[tuple[Role, Request]], task: Task, max_tests: int
) -> list[tuple[Role, Request]]:
    """The requests, each asking its replica to read its texts' artefacts out (`artefact`):
    the driver then only reads them."""
    return [
        (role, replace(r, artefact=partial(artefact, task=task, role=role, max_tests=max_tests)))
        for role, r in pairs
    ]


def to_candidates(
    task: Task,
    role: Role,
    completion: Completion,
    sampling: Sampling,
    round_: int = 0,
    parent: str = "",
    max_tests: int = 8,
) -> list[Candidate]:
    """Extract artefacts from raw completions; unusable ones are dropped, duplicates merged."""
    read = partial(artefact, task=task, role=role, max_tests=max_tests)
    return extracted(task, role, completion, read, sampling.to_dict(), round_, parent)


def check_item(task: Task, code: str, tests: list[str], item_id: str) -> dict:
    """One input for the python verifier (the same shape `assay verify python` reads); a
    stdin/stdout task's tests are input/output pairs, compared by its checker. A program in
    another language, or one judged by a checker program, is a `program` verifier line."""
    item: dict[str, Any] = {
        "id": item_id,
        "code": code,
        "tests": tests,
        "entry_point": task.entry_point,
        "setup": task.setup,
    }
    if verifier_of(task) == PROGRAM:
        return program_item(task, code, tests, item_id)
    if is_stdio(task):
        item |= {"stdio": True, "checker": task.meta.get("checker", "tokens")}
    return item


def failing_for_repair(matrix: Matrix, limit: int) -> list[tuple[Candidate, Verdict]]:
    """The most promising failing solutions: most tests passed first, then by id for stability."""
    ranked = sorted(
        zip(matrix.solutions, matrix.verdicts, strict=True),
        key=lambda cv: (-cv[1].tests_passed, cv[0].id),
    )
    return [(c, v) for c, v in ranked if not v.passed][:limit]


def select_samples(
    cfg: RunConfig,
    task: Task,
    matrix: Matrix,
    run_id: str,
    outputs: Sequence[Hashable] | None = None,
) -> list[Sample]:
    """Keep the best verified solutions by the configured strategy (`flows.select.choose`).

    With trusted tests or a reference, only a solution that passes the whole pool is eligible.
    Without either but with tests labelled by agreement, a solution that passes every labelled
    test is (if none does, consensus decides). Otherwise the strategy's consensus (CodeT, B4,
    majority) decides among all of them. `outputs` (one signature per solution: its outputs on
    the generated inputs) is what majority votes on. Either way a kept solution passes at least
    one test, ineligible ones are dropped before `select.keep` applies, and ties go by
    candidate id, so the order candidates arrived in never changes the choice.
    """
    if not matrix.solutions:
        return []
    rows = matrix.rows
    labelled = matrix.pool.labelled_indices
    agreeing = [i for i, row in enumerate(rows) if labelled and all(row[j] for j in labelled)]
    eligible: list[int] | None = None
    if task.tests or task.reference:
        eligible = matrix.verified()
    elif agreeing:
        eligible = agreeing
    keys = [c.id for c in matrix.solutions]
    picked = choose(cfg.select.rule, rows, cfg.select.keep, eligible, outputs, keys=keys)
    samples = []
    for i in picked:
        passed = [t.code for t, ok in zip(matrix.pool.tests, rows[i], strict=False) if ok]
        samples.append(
            Sample(
                task.id,
                matrix.solutions[i].id,
                task.domain,
                task.prompt,
                matrix.solutions[i].text,
                tuple(passed),
                cfg.select.strategy,
                float(sum(rows[i])),
                (matrix.verdicts[i].id,),
                run_id,
                level_of(task, i in agreeing),
            )
        )
    return samples


def level_of(task: Task, agreeing: bool = False) -> Level:
    """What a selected solution's pass rests on: the task's trusted tests, model tests that
    passed the trusted reference, the outputs sampled solutions agreed on (`agreeing`: it
    passed every such test), or only the agreement of model tests and solutions."""
    if task.tests:
        return Level.TRUSTED_TESTS
    if agreeing:
        return Level.AGREEMENT_LABELLED
    return Level.VALIDATED_TESTS if task.reference else Level.CONSENSUS_ONLY


def with_context(verdict: Verdict, pool: TestPool) -> Verdict:
    """Name each outcome by its pool test, and record what the check ran against."""
    outcomes = tuple(
        replace(o, name=pool.tests[i].id) if i < len(pool.tests) else o
        for i, o in enumerate(verdict.outcomes)
    )
    return replace(verdict, outcomes=outcomes, against=pool.id)


def named_by_tests(verdict: Verdict, tests: list[str], against: str = "reference") -> Verdict:
    """A validation verdict whose outcomes are named by the assert text they checked."""
    outcomes = tuple(
        replace(o, name=tests[i]) if i < len(tests) else o for i, o in enumerate(verdict.outcomes)
    )
    return replace(verdict, outcomes=outcomes, against=against)
