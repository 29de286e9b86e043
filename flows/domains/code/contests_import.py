"""CodeContests-style problems → stdin/stdout code tasks in any language (format
`codecontests`).

A line (deepmind/code_contests' layout) has `name`, `description`, `public_tests`,
`private_tests` and `generated_tests` (each `{"input": [...], "output": [...]}`), `solutions`
(`{"language": [...], "solution": [...]}`, the dataset's language codes as
`verifiers.program.contests` reads them: 2 C++, 3 Python 3, 4 Java; others are skipped),
`time_limit` (`{"seconds", "nanos"}`) and `memory_limit_bytes`; assay reads two more, both
optional: `language` (the task's own, else the run's `code.language`) and `checker` (`tokens`,
`exact`, `floats`, or a checker program `{"language", "code"}` run by the `program` verifier).

All three test sets become the task's trusted tests, in that order. Solutions become
**references**, one per language (the first): they are the dataset's accepted programs, so they
validate generated and labelled tests as a trusted reference does; as candidates they would enter
the dataset as samples no model wrote, under a model's provenance. Which one a run uses is
decided when it opens, by the task's language (`languages.resolve`). Incorrect solutions are left
out (they are judge data, not training data: `python -m assay.verifiers.program.contests`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from assay.schemas.jsonl import read_jsonl, validate_line
from assay.schemas.records import Task
from assay.verifiers.program.contests import LANGUAGES, SETS
from assay.verifiers.python.stdio import IOTest


class Tests(BaseModel):
    input: list[str] = Field(default_factory=list)
    output: list[str] = Field(default_factory=list)


class Solutions(BaseModel):
    language: list[int] = Field(default_factory=list)
    solution: list[str] = Field(default_factory=list)


class ContestLine(BaseModel):
    model_config = ConfigDict(extra="allow")

    name: str = Field(min_length=1)
    description: str = Field(min_length=1)
    public_tests: Tests = Field(default_factory=Tests)
    private_tests: Tests = Field(default_factory=Tests)
    generated_tests: Tests = Field(default_factory=Tests)
    solutions: Solutions = Field(default_factory=Solutions)
    time_limit: dict[str, float] | None = None
    memory_limit_bytes: int = Field(default=0, ge=0)
    language: str | None = None
    checker: str | dict[str, str] = "tokens"


def _limits(line: ContestLine) -> dict[str, Any] | None:
    """The problem's own limits for the program verifier (None: the run's check limits)."""
    limit = line.time_limit or {}
    seconds = float(limit.get("seconds", 0)) + float(limit.get("nanos", 0)) / 1e9
    memory = line.memory_limit_bytes // (1 << 20)
    if not seconds and not memory:
        return None
    return {"time_s": min(seconds or 2.0, 60.0), "memory_mb": max(memory, 16) if memory else 256}


def _task(line: ContestLine, where: str, error: type[Exception]) -> Task:
    tests: list[str] = []
    for group in SETS:
        pairs: Tests = getattr(line, group)
        if len(pairs.input) != len(pairs.output):
            raise error(f"{where}: field {group}: as many outputs as inputs")
        tests += [IOTest(i, o).encode() for i, o in zip(pairs.input, pairs.output, strict=True)]
    if len(line.solutions.language) != len(line.solutions.solution):
        raise error(f"{where}: field solutions: as many languages as solutions")
    solutions: dict[str, str] = {}
    for code, text in zip(line.solutions.language, line.solutions.solution, strict=True):
        if code in LANGUAGES:
            solutions.setdefault(LANGUAGES[code], text)
    meta: dict[str, Any] = {"kind": "stdio", "checker": line.checker, "format": "codecontests"}
    meta["solutions"] = solutions
    if line.language is not None:
        meta["language"] = line.language
    if (limits := _limits(line)) is not None:
        meta["limits"] = limits
    return Task(
        domain="code",
        source="codecontests",
        name=line.name,
        prompt=line.description.strip() + "\n",
        tests=tuple(tests),
        meta=meta,
    )


def load_contests(path: Path, error: type[Exception]) -> list[Task]:
    """Every problem of a CodeContests-style JSONL(.gz) file, in file order. A task's language
    and checker are checked with the run's config (`languages.check_language`)."""
    out = []
    for number, obj in read_jsonl(Path(path), error):
        where = f"{path}:{number}"
        out.append(_task(validate_line(ContestLine, obj, where, error), where, error))
    return out
