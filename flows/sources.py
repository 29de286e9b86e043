"""Where a run's tasks come from: bundled seeds or task files, validated line by line."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assay.flows.config import RunConfig, TaskSource
from assay.schemas.records import Task


class TaskFileError(ValueError):
    """A task file that cannot be used; the message names the file, line and field."""


class TaskLine(BaseModel):
    """One line of an assay task file (JSONL)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    prompt: str = Field(min_length=1)
    entry_point: str = Field(min_length=1)
    reference: str = ""
    tests: list[str] = Field(default_factory=list)
    setup: str = ""
    meta: dict[str, Any] = Field(default_factory=dict)


def read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line; gzip by suffix; errors name file and line."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise TaskFileError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
                if not isinstance(obj, dict):
                    raise TaskFileError(f"{path}:{number}: each line must be a JSON object")
                yield number, obj
    except FileNotFoundError:
        raise TaskFileError(f"{path}: no such task file") from None


def load_assay_file(path: Path, domain: str) -> list[Task]:
    tasks = []
    for number, obj in read_jsonl(path):
        try:
            line = TaskLine.model_validate(obj)
        except ValidationError as err:
            first = err.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "(line)"
            raise TaskFileError(f"{path}:{number}: field {field}: {first['msg']}") from None
        tasks.append(
            Task(
                domain=domain,
                source=path.name,
                name=line.name,
                prompt=line.prompt,
                entry_point=line.entry_point,
                reference=line.reference,
                tests=tuple(line.tests),
                setup=line.setup,
                meta=line.meta,
            )
        )
    return tasks


def _load_source(source: TaskSource, domain: str) -> list[Task]:
    if source.seed is not None:
        from assay.flows.seeds import load_seed_tasks

        return load_seed_tasks(source.seed)
    assert source.file is not None
    if source.format == "assay":
        return load_assay_file(source.file, domain)
    from assay.flows import importers

    try:
        return importers.load(source.file, source.format)
    except importers.ImportFormatError as exc:
        raise TaskFileError(str(exc)) from None


def load_tasks(config: RunConfig) -> list[Task]:
    """All tasks of a run, in config order, each source cut to its `limit`, duplicates dropped."""
    seen: dict[str, Task] = {}
    for source in config.tasks:
        tasks = _load_source(source, config.domain)
        for task in tasks[: source.limit]:
            seen.setdefault(task.id, task)
    if not seen:
        raise TaskFileError("the config's task sources gave no tasks")
    return list(seen.values())
