"""Roles for programs that read stdin and write stdout: a whole program is the answer, in the
task's language (`meta["language"]`, fixed when the run opens; Python when unset).

A function task's extraction keeps definitions and drops top-level calls and prints; a stdio
program *is* its top-level statements, so here the last block of the task's language is taken
whole (for Python, the last python block that parses). Prompts stay short: they must work with
0.5B instruct models.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assay.flows.roles.fences import blocks_in, has_fence
from assay.flows.roles.pyextract import PY_LANGS, parse
from assay.flows.roles.repair import repairer
from assay.schemas.records import Task, Verdict
from assay.verifiers.python.stdio import decode_test
from assay.workers.api import Request, Sampling

# Per language: its name in a prompt, the fence tag asked for, and the tags read back.
NAMES = {"c": "C", "cpp": "C++", "java": "Java", "go": "Go", "rust": "Rust",
         "javascript": "JavaScript", "python": "Python"}  # fmt: skip
FENCES: dict[str, frozenset[str]] = {
    "c": frozenset({"c"}),
    "cpp": frozenset({"cpp", "c++", "cc", "cxx"}),
    "java": frozenset({"java"}),
    "go": frozenset({"go", "golang"}),
    "rust": frozenset({"rust", "rs"}),
    "javascript": frozenset({"javascript", "js", "node"}),
    "python": PY_LANGS,
}
SYSTEM = "You are an expert competitive programmer. Reply with code in one ```{fence} block."
SOLVER = (
    "Solve this problem with a complete {name} program that reads standard input and prints "
    "the answer to standard output. Reply with the program in one ```{fence} block.\n\n{prompt}"
)
REPAIRER = (
    "This problem:\n\n{prompt}\n\nhas this attempt, which is wrong:\n\n```{fence}\n{failing}\n"
    "```\n\n{report}\n\nFix it. Reply with the whole corrected program in one ```{fence} block."
)
HEADER = (
    "Write a complete {name} program that reads the input from standard input and prints the "
    "answer to standard output.\n\n"
)
SHOWN = 300


def is_stdio(task: Task) -> bool:
    return task.meta.get("kind") == "stdio"


def language(task: Task) -> str:
    """The language the task's programs are written in."""
    return str(task.meta.get("language") or "python")


def header(lang: str) -> str:
    """What an importer puts above a statement: the kind of program asked for, in `lang`."""
    return HEADER.format(name=NAMES[lang])


def _fence(lang: str) -> str:
    return "python" if lang == "python" else lang


def shown(task: Task) -> str:
    """The task's prompt, saying the task's language where an importer's header said another."""
    prompt, lang = task.prompt.strip(), language(task)
    for other in NAMES:
        if other != lang and prompt.startswith(header(other).strip()):
            return header(lang) + prompt.removeprefix(header(other).strip()).lstrip("\n")
    return prompt


def _messages(task: Task, user: str) -> tuple[dict[str, str], ...]:
    system = SYSTEM.format(fence=_fence(language(task)))
    return ({"role": "system", "content": system}, {"role": "user", "content": user})


def build_solver(task: Task, sampling: Sampling, key: str, **_: Any) -> Request:
    lang = language(task)
    user = SOLVER.format(name=NAMES[lang], fence=_fence(lang), prompt=shown(task))
    return Request(key, _messages(task, user), sampling)


def report(verdict: Verdict | None, tests: Sequence[str]) -> str:
    """The first failed test's input, expected output and what the program did."""
    if verdict is None:
        return "It fails its tests."
    lines = [f"{verdict.tests_passed} of {verdict.tests_total} tests passed."]
    if verdict.status.value == "compile_error" and verdict.stderr_tail.strip():
        lines.append("Compiler output (end):\n" + verdict.stderr_tail.strip()[-SHOWN:])
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


def _repair_messages(
    task: Task, failing: str, verdict: Verdict | None, tests: Sequence[str] = (), **_: Any
) -> tuple[dict[str, str], ...]:
    user = REPAIRER.format(
        prompt=shown(task), fence=_fence(language(task)), failing=failing,
        report=report(verdict, tests),
    )  # fmt: skip
    return _messages(task, user)


build_repairer = repairer("program", _repair_messages)


def extract_program(text: str, task: Task) -> str | None:
    """The last fenced block of the task's language, else the last untagged one (for Python:
    the last that parses, or the text itself when unfenced; other languages need a fence, as
    prose cannot be told from code without their parser)."""
    lang = language(task)
    if lang != "python":
        blocks = blocks_in(text, FENCES[lang]) or blocks_in(text, frozenset({""}))
        code = next((b.strip("\n") for b in reversed(blocks) if b.strip()), "")
        return code + "\n" if code else None
    blocks = blocks_in(text, PY_LANGS) if has_fence(text) else [text]
    for block in reversed(blocks):
        code = block.strip("\n")
        if not code.strip():
            continue
        if parse(code) is None:
            continue
        return code + "\n"
    return None
