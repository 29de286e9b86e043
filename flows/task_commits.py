"""A run's tasks committed as their stream goes: one key per task, `TASK_BATCH` of them to a
folder, so a grown source adds only its new tasks and a run of millions commits them a chunk at
a time without holding them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice

from assay.schemas.records import Task
from assay.schemas.store import Prepared, Store

TASK_BATCH = 10_000  # task commits per folder: one manifest lists this many keys


def task_key(run_id: str, task: Task) -> str:
    """A task's commit key in a run: one per task, so a grown source adds only its new ones."""
    return f"tasks/{run_id}/{task.id}"


def _chunks(tasks: Iterable[Task], size: int) -> Iterator[list[Task]]:
    it = iter(tasks)
    while chunk := list(islice(it, size)):
        yield chunk


def commit_tasks(store: Store, run_id: str, tasks: Iterable[Task]) -> int:
    """Commit the tasks of `tasks` that run `run_id` has not committed yet, `TASK_BATCH` at a
    time as the stream goes; how many rows were added.

    Each task has its own key (a lookup in the store's index, however many tasks), written
    `TASK_BATCH` keys to a folder, so a source that grew from 164 tasks to 328 adds 164 rows,
    not 328, and a kill between folders loses nothing. Tasks committed before tasks had keys of
    their own (one key for a whole file) are given their keys without rows (`_held`)."""
    added = 0
    for chunk in _chunks(tasks, TASK_BATCH):
        new = [t for t in chunk if not store.has(task_key(run_id, t))]
        if not new:
            continue
        held = _held(store, run_id, [t.id for t in new])
        store.write_many([_prepared(store, run_id, t, t.id in held) for t in new])
        added += sum(t.id not in held for t in new)
    return added


def _prepared(store: Store, run_id: str, task: Task, held: bool) -> Prepared:
    """A task's commit: its row, or only its key where the run holds its row already."""
    return store.prepare(task_key(run_id, task), {} if held else {"tasks": [task]}, run_id=run_id)


def _held(store: Store, run_id: str, ids: list[str]) -> set[str]:
    """Which of `ids` have rows in run `run_id` already (whatever key committed them)."""
    from assay.schemas.query import query

    run = run_id.replace("'", "''")
    listed = ",".join(f"'{i}'" for i in ids)  # content ids: hex digits only
    table = query(
        store.root,
        f"SELECT DISTINCT id FROM raw_tasks WHERE run_id = '{run}' AND id IN ({listed})",
    )
    return set(table.column("id").to_pylist())
