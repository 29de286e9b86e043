"""Roles for programs that read stdin and write stdout: a whole program is the answer.

A function task's extraction keeps definitions and drops top-level calls and prints; a stdio
program *is* its top-level statements, so here the last python block that parses is taken
whole. Prompts stay short: they must work with 0.5B instruct models.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import Any

from assay.flows.roles.fences import blocks_in, has_fence
from assay.flows.roles.pyextract import PY_LANGS
from assay.schemas.records import Task, Verdict
from assay.verifiers.python.stdio import decode_test
from assay.workers.api import Request, Sampling

SYSTEM = "You are an expert competitive programmer. Reply with code in one ```python block."
SOLVER = (
    "Solve this problem with a complete Python program that reads standard input and prints "
    "the answer to standard output. Reply with the program in one ```python block.\n\n{prompt}"
)
REPAIRER = (
    "This problem:\n\n{prompt}\n\nhas this attempt, which is wrong:\n\n```python\n{failing}\n"
    "```\n\n{report}\n\nFix it. Reply with the whole corrected program in one ```python block."
)
SHOWN = 300


def is_stdio(task: Task) -> bool:
    return task.meta.get("kind") == "stdio"


def _messages(user: str) -> tuple[dict[str, str], ...]:
    return ({"role": "system", "content": SYSTEM}, {"role": "user", "content": user})


def build_solver(task: Task, sampling: Sampling, key: str, **_: Any) -> Request:
    return Request(key, _messages(SOLVER.format(prompt=task.prompt.strip())), sampling)


def report(verdict: Verdict | None, tests: Sequence[str]) -> str:
    """The first failed test's input, expected output and what the program did."""
    if verdict is None:
        return "It fails its tests."
    lines = [f"{verdict.tests_passed} of {verdict.tests_total} tests passed."]
    for i, outcome in enumerate(verdict.outcomes):
        if outcome.status.value == "pass" or i >= len(tests):
            continue
        try:
            test = decode_test(tests[i])
        except ValueError:
            continue
        lines += [f"Input:\n{test.stdin[:SHOWN]}", f"Expected output:\n{test.stdout[:SHOWN]}"]
        lines.append(f"Result: {outcome.status.value}: {outcome.detail[:SHOWN]}")
        break
    return "\n".join(lines)


def build_repairer(
    task: Task,
    sampling: Sampling,
    key: str,
    failing: str = "",
    verdict: Verdict | None = None,
    tests: Sequence[str] = (),
    **_: Any,
) -> Request:
    if not failing.strip():
        raise ValueError("repairer: pass the failing program as failing=<code>")
    user = REPAIRER.format(
        prompt=task.prompt.strip(), failing=failing.strip("\n"), report=report(verdict, tests)
    )
    return Request(key, _messages(user), sampling)


def extract_program(text: str, task: Task) -> str | None:
    """The last fenced python block that parses (the text itself when unfenced)."""
    blocks = blocks_in(text, PY_LANGS) if has_fence(text) else [text]
    for block in reversed(blocks):
        code = block.strip("\n")
        if not code.strip():
            continue
        try:
            ast.parse(code)
        except (SyntaxError, ValueError):
            continue
        return code + "\n"
    return None
