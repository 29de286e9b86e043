"""Where a run's tasks come from: bundled seeds, task files or folders of them, read as a stream
and validated line by line. A file or folder read again sees what was added since: same run id,
new tasks, and only those are committed (`flows.task_commits`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from assay.flows.config import RunConfig, TaskSource
from assay.flows.tasks import Tasks
from assay.schemas.jsonl import read_jsonl, validate_line
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


def read_assay_file(path: Path, domain: str) -> Iterator[Task]:
    """The tasks of one assay task file, a line at a time; a bad line raises `TaskFileError`
    naming the file, line and field when the pass reaches it."""
    for number, obj in read_jsonl(path, TaskFileError):
        line = validate_line(TaskLine, obj, f"{path}:{number}", TaskFileError)
        yield Task(
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


def load_assay_file(path: Path, domain: str) -> list[Task]:
    """Every task of one (small) assay task file, as a list."""
    return list(read_assay_file(path, domain))


def read_assay_folder(folder: Path, domain: str) -> Iterator[Task]:
    """Every `*.jsonl` task file in `folder`, in name order: a folder that gains files (one a
    night, named by date) gives a scheduled run its new tasks, under the same run id."""
    files = sorted(folder.glob("*.jsonl"))
    if not files:
        raise TaskFileError(f"{folder}: no *.jsonl task files in this folder")
    for path in files:
        yield from read_assay_file(path, domain)


def _read_source(source: TaskSource, domain: str) -> Iterator[Task]:
    """One source's tasks, lazily: an assay file a line at a time; a seed, or a file in
    another format, as its importer reads it (the whole file, one file at a time)."""
    if source.seed is not None:
        from assay.flows.seeds import load_seed_tasks

        yield from load_seed_tasks(source.seed)
        return
    assert source.file is not None
    if source.format == "assay":
        if source.file.is_dir():
            yield from read_assay_folder(source.file, domain)
        else:
            yield from read_assay_file(source.file, domain)
        return
    from assay.flows.domains import get

    yield from get(domain).flow().load(source.file, source.format)  # raises TaskFileError


Check = Callable[[list[Task], RunConfig], None]  # a domain's `check_tasks`
CHECK_CHUNK = 1_000  # tasks handed to a domain's `check_tasks` at a time


def stream_tasks(config: RunConfig, check: Check | None = None) -> Tasks:
    """The run's tasks, in config order, each source cut to its `limit`, duplicates dropped,
    read from the sources on each pass (`flows.tasks`). With `check` (the domain's
    `check_tasks`), every pass checks what it reads, `CHECK_CHUNK` tasks at a time, so a task
    file changed after the first pass cannot slip an unchecked task into the run."""

    def read() -> Iterator[Task]:
        given: list[Task] = []
        count = 0
        for source in config.tasks:
            for task in islice(_read_source(source, config.domain), source.limit):
                given.append(task)
                count += 1
                if len(given) == CHECK_CHUNK:
                    yield from _checked(given, check, config)
                    given = []
        yield from _checked(given, check, config)
        if not count:
            raise TaskFileError("the config's task sources gave no tasks")

    return Tasks(read, config.engine.tasks_in_memory)


def _checked(tasks: list[Task], check: Check | None, config: RunConfig) -> list[Task]:
    if check is not None and tasks:
        check(tasks, config)
    return tasks


def load_tasks(config: RunConfig) -> list[Task]:
    """All tasks of a run as a list (small runs, tools and tests; a run streams them)."""
    return list(stream_tasks(config))


def first_pass(tasks: Tasks) -> int:
    """Read (and check) every task once without keeping them (unless few enough to hold), so a
    bad line late in a big file fails before anything is committed; how many tasks there are."""
    return sum(1 for _ in tasks)


class Loaded(BaseModel):
    """A run's tasks as its caller checked them (`assay run` does, before taking the run's
    lock), handed to the run's flow in the same process so that the flow does not check them
    again, and replays them where they are few enough to be held (an importer's parse, e.g.
    HumanEval's tests split by AST, costs more per task than the run's bookkeeping). Prefect
    records a flow's parameters in its database: of this one it records the count alone."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    count: int
    tasks: Any = Field(exclude=True, repr=False)  # Tasks: carried, never serialised
