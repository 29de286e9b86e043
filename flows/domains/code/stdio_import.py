"""APPS/TACO-style problems → stdin/stdout code tasks.

A line holds a statement (`question`) and `input_output`: `{"inputs": [...], "outputs": [...]}`
(a JSON object, or a string holding one, as APPS and TACO ship it); `solutions` (a list, or a
string holding one) gives the reference, in the line's `language` (optional: else the run's
`code.language`; a reference in another language than the run's is not used). A statement
without `input_output` (or with no inputs) is a task without tests: runs make its tests by
agreement (`tester.labels`). An input or output that is a list of lines is joined.
Call-based problems (`fn_name` in `input_output`) are function tasks, not stdio ones: they are
refused with the line named, rather than silently dropped.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from assay.flows.domains.code.config import LANGUAGES
from assay.flows.roles.stdio import header
from assay.schemas.jsonl import read_jsonl, validate_line
from assay.schemas.records import Task
from assay.verifiers.python.stdio import CHECKERS, IOTest

STDIO_HEADER = header("python")


class AppsLine(BaseModel):
    model_config = ConfigDict(extra="allow")

    question: str = Field(min_length=1)
    input_output: dict[str, Any] | str = ""
    solutions: list[str] | str = Field(default_factory=list)
    problem_id: int | str | None = None
    name: str = ""
    checker: str = "tokens"
    language: str | None = None  # the task's own; else the run's `code.language`


def _json(value: Any, where: str, field: str, error: type[Exception]) -> Any:
    if not isinstance(value, str):
        return value
    if not value.strip():
        return []
    try:
        return json.loads(value)
    except ValueError:
        raise error(f"{where}: field {field}: not valid JSON") from None


def _text(value: Any) -> str:
    return "\n".join(map(str, value)) + "\n" if isinstance(value, list) else str(value)


def _task(line: AppsLine, number: int, where: str, error: type[Exception]) -> Task:
    io = _json(line.input_output, where, "input_output", error) or {"inputs": [], "outputs": []}
    if not isinstance(io, dict) or not isinstance(io.get("inputs"), list):
        raise error(f"{where}: field input_output: needs lists 'inputs' and 'outputs'")
    if io.get("fn_name"):
        raise error(
            f"{where}: field input_output.fn_name: call-based problems are not stdio tasks; "
            "give them as function tasks (format assay, humaneval or mbpp)"
        )
    inputs, outputs = io["inputs"], io.get("outputs", [])
    if not isinstance(outputs, list) or len(outputs) != len(inputs):
        raise error(f"{where}: field input_output: as many outputs as inputs")
    if line.checker not in CHECKERS:
        raise error(f"{where}: field checker: {line.checker!r} is not one of {list(CHECKERS)}")
    if line.language is not None and line.language not in LANGUAGES:
        raise error(f"{where}: field language: {line.language!r} is not one of {LANGUAGES}")
    solutions = _json(line.solutions, where, "solutions", error) or []
    tests = tuple(IOTest(_text(i), _text(o)).encode() for i, o in zip(inputs, outputs, strict=True))
    name = line.name or str(line.problem_id if line.problem_id is not None else number)
    return Task(
        domain="code",
        source="apps",
        name=name,
        prompt=header(line.language or "python") + line.question.strip() + "\n",
        reference=str(solutions[0]) if solutions else "",
        tests=tests,
        meta={"kind": "stdio", "checker": line.checker, "format": "apps"}
        | ({"language": line.language} if line.language else {}),
    )


def load_apps(path: Path, error: type[Exception]) -> list[Task]:
    """Every problem of an APPS/TACO-style JSONL(.gz) file, in file order."""
    out = []
    for number, obj in read_jsonl(Path(path), error):
        where = f"{path}:{number}"
        out.append(_task(validate_line(AppsLine, obj, where, error), number, where, error))
    return out
