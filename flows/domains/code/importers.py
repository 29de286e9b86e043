"""HumanEval- and MBPP-style JSONL(.gz) files → `Task` records for the code domain (APPS-style
stdin/stdout problems: `stdio_import`; CodeContests-style problems in any language:
`contests_import`).

HumanEval keeps its tests in a `check(candidate)` function; here each top-level assert in it
becomes one test calling the entry point by name, loops and other blocks holding asserts become
one test each, and every other statement (imports, helpers, `METADATA`) goes to `setup`. So the
verifier can report per-test outcomes and keep each expected value out of the candidate's reach.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from assay.schemas.jsonl import read_jsonl, validate_line
from assay.schemas.records import Task

M = TypeVar("M", bound=BaseModel)


class ImportFormatError(ValueError):
    """A benchmark file that cannot be imported; the message names the file, line and field."""


class HumanEvalLine(BaseModel):
    model_config = ConfigDict(extra="allow")

    task_id: str = Field(min_length=1)
    prompt: str = Field(min_length=1)
    canonical_solution: str = ""
    test: str = Field(min_length=1)
    entry_point: str = Field(min_length=1)


class MbppLine(BaseModel):
    """Original MBPP (`text`) and the sanitized split (`prompt`, `test_imports`) both load."""

    model_config = ConfigDict(extra="allow")

    task_id: int | str
    text: str = ""
    prompt: str = ""
    code: str = ""
    test_list: list[str] = Field(min_length=1)
    test_setup_code: str = ""
    test_imports: list[str] = Field(default_factory=list)


def _lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    return read_jsonl(path, ImportFormatError)


def _validate(model: type[M], obj: dict[str, Any], where: str) -> M:
    return validate_line(model, obj, where, ImportFormatError)


class _Rename(ast.NodeTransformer):
    def __init__(self, old: str, new: str) -> None:
        self.old, self.new = old, new

    def visit_Name(self, node: ast.Name) -> ast.Name:
        return ast.Name(self.new, node.ctx) if node.id == self.old else node


def split_check(test: str, entry_point: str) -> tuple[list[str], str]:
    """(assert tests, setup) from a HumanEval `test` field; `candidate` becomes `entry_point`."""
    module = ast.parse(test)
    setup: list[str] = []
    tests: list[str] = []
    for node in module.body:
        if not (isinstance(node, ast.FunctionDef) and node.name == "check"):
            setup.append(ast.unparse(node))
            continue
        param = node.args.args[0].arg if node.args.args else "candidate"
        for stmt in node.body:
            stmt = _Rename(param, entry_point).visit(stmt)
            has_assert = any(isinstance(n, ast.Assert) for n in ast.walk(stmt))
            (tests if has_assert else setup).append(ast.unparse(stmt))
    if not tests:
        raise ValueError("no assert statements in check()")
    return tests, "\n".join(setup)


def _humaneval(obj: dict[str, Any], where: str, source: str) -> Task:
    line: HumanEvalLine = _validate(HumanEvalLine, obj, where)
    try:
        tests, setup = split_check(line.test, line.entry_point)
    except (SyntaxError, ValueError) as exc:
        raise ImportFormatError(f"{where}: field test: {exc}") from None
    return Task(
        domain="code",
        source=source,
        name=line.task_id,
        prompt=line.prompt,
        entry_point=line.entry_point,
        reference=line.prompt + line.canonical_solution,
        tests=tuple(tests),
        setup=setup,
        meta={"task_id": line.task_id, "format": "humaneval"},
    )


def _called_name(test: str) -> str:
    """The function an MBPP assert calls first: MBPP lines name no entry point."""
    for node in ast.walk(ast.parse(test)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            return node.func.id
    raise ValueError("no function call in the first test")


def _mbpp(obj: dict[str, Any], where: str, source: str) -> Task:
    line: MbppLine = _validate(MbppLine, obj, where)
    text = line.text or line.prompt
    if not text:
        raise ImportFormatError(f"{where}: field text: give 'text' or 'prompt'")
    try:
        entry = _called_name(line.test_list[0])
    except (SyntaxError, ValueError) as exc:
        raise ImportFormatError(f"{where}: field test_list.0: {exc}") from None
    shown = "\n".join(line.test_list)
    return Task(
        domain="code",
        source=source,
        name=str(line.task_id),
        prompt=f"{text}\nYour code should pass these tests:\n\n{shown}\n",
        entry_point=entry,
        reference=line.code,
        tests=tuple(line.test_list),
        setup="\n".join([*line.test_imports, line.test_setup_code]).strip(),
        meta={"task_id": line.task_id, "format": "mbpp"},
    )


def load(path: Path, format: str) -> list[Task]:
    """Every task in a HumanEval- or MBPP-style JSONL(.gz) file, in file order."""
    readers = {"humaneval": _humaneval, "mbpp": _mbpp}
    if format == "apps":
        from assay.flows.domains.code.stdio_import import load_apps

        return load_apps(Path(path), ImportFormatError)
    if format == "codecontests":
        from assay.flows.domains.code.contests_import import load_contests

        return load_contests(Path(path), ImportFormatError)
    if format not in readers:
        known = sorted([*readers, "apps", "codecontests"])
        raise ImportFormatError(f"{path}: unknown format {format!r}; use one of {known}")
    read = readers[format]
    return [read(obj, f"{path}:{number}", format) for number, obj in _lines(Path(path))]
