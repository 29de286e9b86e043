"""Every pending task's program to its end through the engine's loop, callable without Prefect
(the run's flow and tests call it): which tasks are pending, how many are open at once, and a
family's rows released when its program ends."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from types import ModuleType
from typing import Any

from assay.flows.engine import budget, failures
from assay.flows.engine.loop import drive
from assay.flows.engine.steps import GenerationFailed, Program, Workers
from assay.flows.progress import Progress
from assay.flows.state import RunState


def finished(state: RunState, parts: ModuleType, t: Any) -> bool:
    """Whether task `t`'s program made its last commit: the domain's flow says (`finished`),
    else its state (`RunState.finished`: the selection is that commit)."""
    if hasattr(parts, "finished"):
        return bool(parts.finished(state, t))
    return state.finished(t)


@dataclass
class Pending:
    """Which of the run's root tasks (the domain's `roots`, else all, as they stream) still
    have a program to run: `count` in all, less the indices in `skipped` (finished, or with a
    failed prompt the run does not retry). Indices, not tasks: iterating gives (index, task) of
    each pending task, read from the stream again as the loop admits it."""

    roots: Iterable[Any] = field(repr=False)
    count: int
    skipped: set[int]
    shard: int = 0  # of `shards`: this part is every index i with i % shards == shard
    shards: int = 1

    def __iter__(self) -> Iterator[tuple[int, Any]]:
        return ((i, t) for i, t in enumerate(self.roots) if self._mine(i))

    def _mine(self, i: int) -> bool:
        return i % self.shards == self.shard and i not in self.skipped

    def part(self, shard: int, shards: int) -> Pending:
        """Shard `shard` of `shards`: every `shards`-th task, so each gets easy and hard ones
        alike; its tasks keep their indices (their sampling seeds)."""
        return replace(self, shard=shard, shards=shards)

    @property
    def todo(self) -> int:
        mine = len(range(self.shard, self.count, self.shards))
        return mine - sum(1 for i in self.skipped if i % self.shards == self.shard)

    def __bool__(self) -> bool:
        return self.todo > 0


def roots(state: RunState, parts: ModuleType) -> Iterable[Any]:
    """The tasks programs start from, in order: the domain's `roots`, else the run's tasks."""
    return parts.roots(state) if hasattr(parts, "roots") else state.tasks


def pending(state: RunState, parts: ModuleType) -> Pending:
    """One pass over the root tasks: which have not finished; a task's index is its place
    among them, which seeds its sampling. A task with a failed prompt is skipped unless the run
    retries them (`engine.retry_failed`)."""
    failed = set() if state.config.engine.retry_failed else failures.failed_ids(state)
    tasks = roots(state, parts)
    count, skipped = 0, set()
    for i, t in enumerate(tasks):
        count += 1
        if t.id in failed or finished(state, parts, t):
            skipped.add(i)
    return Pending(tasks, count, skipped)


def released(state: RunState, root: Any, program: Program) -> Program:
    """`program`, then its family's rows released (`RunState.release`): a run holds only the
    rows of the tasks it has open. A prompt of it that no replica survived ends the program:
    the task records the failure and the run goes on."""
    try:
        yield from program
    except GenerationFailed as exc:
        failures.record(state, root, exc)
    state.release(root)


def window(state: RunState, compute: Workers) -> int:
    """Tasks open at once: the configured window, else enough to fill the workers
    (`Compute.fill`)."""
    return state.config.engine.window or compute.fill()


def run_programs(
    state: RunState,
    parts: ModuleType,
    compute: Workers,
    progress: Progress,
    pend: Pending | None = None,
) -> dict[str, Any]:
    """Every pending task's program to its end (callable without Prefect, as tests do), the
    tasks read from their stream a window at a time. `pend`: the run's `pending` scan (or a
    shard's part of it, `Pending.part`), where the caller made it."""
    pend = pending(state, parts) if pend is None else pend
    state.budget = budget.opened(state, parts, pend)
    programs = ((t.name, released(state, t, budget.leaving(state, i, parts.program(state, t, i))))
                for i, t in pend)  # fmt: skip
    try:
        return drive(programs, compute, budget.window(state, window(state, compute)), progress,
                     pend.todo)  # fmt: skip
    finally:
        state.flush()  # what finished before an error is kept
