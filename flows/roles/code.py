"""Code-domain roles: solver, tester and repairer (UnitCoder-style repair from test failures).

The wording lives in `PROMPTS`, plain data, so a domain that follows (verilog, proofs) copies the
shape and swaps the text. Prompts stay short: they must work with 0.5B instruct models.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from assay.flows.roles import RoleSpec, register, stdio
from assay.flows.roles.asserts import extract_tests
from assay.flows.roles.pyextract import extract_code, parse
from assay.flows.roles.repair import repairer
from assay.schemas.records import Status, Task, Verdict
from assay.workers.api import Request, Sampling


@dataclass(frozen=True)
class Prompts:
    """One domain's wording: a system message and a user template per role."""

    system: str
    solver: str
    tester: str
    repairer: str


PROMPTS = Prompts(
    system="You are an expert Python programmer. Reply with code in one ```python block.",
    solver=(
        "Complete this Python function. Return the whole function, with any imports it needs, "
        "in one ```python block.\n\n```python\n{prompt}\n```"
    ),
    tester=(
        "Write {count} unit tests for the function below, one per line, each of the form\n"
        "assert {entry_point}(<inputs>) == <expected output>\n"
        "Use concrete values and include edge cases. Do not implement the function. "
        "Reply with only the assert lines in one ```python block.\n\n```python\n{prompt}\n```"
    ),
    repairer=(
        "This function should do what its docstring says:\n\n```python\n{prompt}\n```\n\n"
        "This attempt is wrong:\n\n```python\n{failing}\n```\n\n{report}\n\n"
        "Fix it. Return the whole corrected function in one ```python block."
    ),
)

HINTS = {
    Status.FAIL: "It gives wrong answers.",
    Status.ERROR: "It raises an error.",
    Status.TIMEOUT: "It runs too long (an endless loop?).",
    Status.MEMORY: "It uses too much memory.",
    Status.COMPILE_ERROR: "It is not valid Python.",
}
TEST_COUNT = 5  # asserts asked of the tester; small models often give a few more
MAX_FAILED_SHOWN = 3
MAX_REPORT_CHARS = 1500
STDERR_CHARS = 500


def _messages(user: str) -> tuple[dict[str, str], ...]:
    return ({"role": "system", "content": PROMPTS.system}, {"role": "user", "content": user})


def build_solver(task: Task, sampling: Sampling, key: str, **_: Any) -> Request:
    """Ask for a complete function for the task's signature and docstring."""
    user = PROMPTS.solver.format(prompt=task.prompt.strip("\n"))
    return Request(key, _messages(user), sampling)


def build_tester(
    task: Task, sampling: Sampling, key: str, count: int = TEST_COUNT, **_: Any
) -> Request:
    """Ask for `count` asserts with concrete inputs and expected outputs."""
    if count < 1:
        raise ValueError(f"tester: count must be >= 1, got {count}")
    user = PROMPTS.tester.format(
        count=count, entry_point=task.entry_point, prompt=task.prompt.strip("\n")
    )
    return Request(key, _messages(user), sampling)


def _expected(test: str) -> str:
    """The right-hand side of `assert call == value`, or "" for any other form."""
    tree = parse(test)
    node = tree.body[0] if tree is not None and tree.body else None
    if not isinstance(node, ast.Assert) or not isinstance(node.test, ast.Compare):
        return ""
    compare = node.test
    if len(compare.ops) != 1 or not isinstance(compare.ops[0], ast.Eq):
        return ""
    return ast.unparse(compare.comparators[0])


def failure_report(verdict: Verdict, tests: Sequence[str] = ()) -> str:
    """A short, model-readable account of why a solution failed.

    `tests` are the assert texts in the order of `verdict.outcomes`; without them the outcome
    names stand in (the flow may have renamed those to ids, which a model cannot use).
    """
    lines = [
        HINTS.get(verdict.status, f"Its check ended with status {verdict.status.value}."),
        f"{verdict.tests_passed} of {verdict.tests_total} tests passed.",
    ]
    failed = [(i, o) for i, o in enumerate(verdict.outcomes) if o.status is not Status.PASS]
    for i, outcome in failed[:MAX_FAILED_SHOWN]:
        test = tests[i] if i < len(tests) else outcome.name
        lines.append(f"Failed test: {test}" if test.startswith("assert") else "A test failed:")
        detail = outcome.detail.strip() or outcome.status.value
        expected = _expected(test)
        if expected and "expected" not in detail:
            lines.append(f"  expected: {expected}")
        lines.append(f"  result: {detail[:300]}")
    if verdict.stderr_tail.strip():
        lines.append("Error output (end):\n" + verdict.stderr_tail.strip()[-STDERR_CHARS:])
    return "\n".join(lines)[:MAX_REPORT_CHARS]


def _repair_messages(
    task: Task, failing: str, verdict: Verdict | None, tests: Sequence[str] = (), **_: Any
) -> tuple[dict[str, str], ...]:
    """A fixed version of `failing`, shown the evidence of how it failed."""
    report = failure_report(verdict, tests) if verdict is not None else "It fails its tests."
    return _messages(
        PROMPTS.repairer.format(prompt=task.prompt.strip("\n"), failing=failing, report=report)
    )


build_repairer = repairer("solution", _repair_messages)


def _by_kind(function_task: Any, stdio_task: Any, task_at: int) -> Any:
    """A role step for function tasks and its counterpart for stdin/stdout programs, chosen by
    the task given as positional argument `task_at` (build: 0, extract: 1)."""

    def step(*args: Any, **kwargs: Any) -> Any:
        task = args[task_at] if len(args) > task_at else kwargs["task"]
        return (stdio_task if stdio.is_stdio(task) else function_task)(*args, **kwargs)

    return step


EXTRACT = _by_kind(extract_code, stdio.extract_program, 1)  # the solver's and the repairer's
SOLVER = register(
    RoleSpec("code", "solver", _by_kind(build_solver, stdio.build_solver, 0), EXTRACT)
)
TESTER = register(RoleSpec("code", "tester", build_tester, extract_tests))
REPAIRER = register(
    RoleSpec("code", "repairer", _by_kind(build_repairer, stdio.build_repairer, 0), EXTRACT)
)
