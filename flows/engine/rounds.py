"""Every pending task's program to its end through the engine's loop, callable without Prefect
(the run's flow and tests call it): which tasks are pending, how many are open at once, and a
family's rows released when its program ends."""

from __future__ import annotations

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


def pending(state: RunState, parts: ModuleType) -> list[tuple[int, Any]]:
    """(index, task) of every task (the domain's `roots`, else all) whose program has not
    finished; the index is the task's place among them, which seeds its sampling. A task with
    a failed prompt is left out unless the run retries them (`engine.retry_failed`)."""
    roots = parts.roots(state) if hasattr(parts, "roots") else state.tasks
    todo = [(i, t) for i, t in enumerate(roots) if not finished(state, parts, t)]
    if todo and not state.config.engine.retry_failed:
        failed = failures.failed_tasks(state)
        todo = [(i, t) for i, t in todo if t.id not in failed]
    return todo


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
    todo: list[tuple[int, Any]] | None = None,
) -> dict[str, Any]:
    """Every pending task's program to its end (callable without Prefect, as tests do); a
    shard's loop gives its share of them, `todo`, indexed as `pending` indexes them."""
    todo = pending(state, parts) if todo is None else todo
    state.budget = budget.opened(state, parts, todo)
    programs = ((t.name, released(state, t, budget.leaving(state, i, parts.program(state, t, i))))
                for i, t in todo)  # fmt: skip
    try:
        return drive(programs, compute, budget.window(state, window(state, compute)), progress,
                     len(todo))  # fmt: skip
    finally:
        state.flush()  # what finished before an error is kept
