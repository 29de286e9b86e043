"""Where a run's tasks come from: bundled seeds, task files or folders of them, validated line
by line. A file or folder read again sees what was added since: same run id, new tasks, and
only those are committed (`commit_tasks`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from assay.flows.config import RunConfig, TaskSource
from assay.schemas.jsonl import read_jsonl, validate_line
from assay.schemas.records import Task
from assay.schemas.store import Prepared, Store

TASK_BATCH = 10_000  # task commits per folder: one manifest lists this many keys


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


def load_assay_file(path: Path, domain: str) -> list[Task]:
    tasks = []
    for number, obj in read_jsonl(path, TaskFileError):
        line = validate_line(TaskLine, obj, f"{path}:{number}", TaskFileError)
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


def load_assay_folder(folder: Path, domain: str) -> list[Task]:
    """Every `*.jsonl` task file in `folder`, in name order: a folder that gains files (one a
    night, named by date) gives a scheduled run its new tasks, under the same run id."""
    files = sorted(folder.glob("*.jsonl"))
    if not files:
        raise TaskFileError(f"{folder}: no *.jsonl task files in this folder")
    return [task for path in files for task in load_assay_file(path, domain)]


def _load_source(source: TaskSource, domain: str) -> list[Task]:
    if source.seed is not None:
        from assay.flows.seeds import load_seed_tasks

        return load_seed_tasks(source.seed)
    assert source.file is not None
    if source.format == "assay":
        return (
            load_assay_folder(source.file, domain)
            if source.file.is_dir()
            else (load_assay_file(source.file, domain))
        )
    from assay.flows.domains import get

    return get(domain).flow().load(source.file, source.format)  # raises TaskFileError


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


class Loaded(BaseModel):
    """A run's tasks as its caller loaded and checked them (`assay run` does, before taking the
    run's lock), handed to the run's flow in the same process so that the flow neither reads
    nor checks them again (an importer's parse, e.g. HumanEval's tests split by AST, costs
    more per task than the run's bookkeeping). Prefect records a flow's parameters in its
    database: of this one it records the count alone."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    count: int
    tasks: Any = Field(exclude=True, repr=False)  # list[Task]: carried, never serialised

    @classmethod
    def of(cls, tasks: list[Task]) -> Loaded:
        return cls(count=len(tasks), tasks=tasks)


def task_key(run_id: str, task: Task) -> str:
    """A task's commit key in a run: one per task, so a grown source adds only its new ones."""
    return f"tasks/{run_id}/{task.id}"


def commit_tasks(store: Store, run_id: str, tasks: list[Task]) -> int:
    """Commit the tasks of `tasks` that run `run_id` has not committed yet; how many were.

    Each task has its own key (a lookup in the store's index, however many tasks), written
    `TASK_BATCH` keys to a folder, so a source that grew from 164 tasks to 328 adds 164 rows,
    not 328, and a kill between folders loses nothing. Tasks committed before tasks had keys of
    their own (one key for a whole file) are read back once and given their keys without rows."""
    new = [t for t in tasks if not store.has(task_key(run_id, t))]
    if not new:
        return 0
    held = _committed_ids(store, run_id)
    added = 0
    for start in range(0, len(new), TASK_BATCH):
        chunk = new[start : start + TASK_BATCH]
        store.write_many([_prepared(store, run_id, t, t.id in held) for t in chunk])
        added += sum(t.id not in held for t in chunk)
    return added


def _prepared(store: Store, run_id: str, task: Task, held: bool) -> Prepared:
    """A task's commit: its row, or only its key where the run holds its row already."""
    return store.prepare(task_key(run_id, task), {} if held else {"tasks": [task]}, run_id=run_id)


def _committed_ids(store: Store, run_id: str) -> set[str]:
    """The ids of the tasks with rows in run `run_id` (whatever key committed them)."""
    from assay.schemas.query import query

    run = run_id.replace("'", "''")
    table = query(store.root, f"SELECT DISTINCT id FROM raw_tasks WHERE run_id = '{run}'")
    return set(table.column("id").to_pylist())
