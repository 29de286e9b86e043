"""One generation stage, shared by the domain flows: every task's group of requests goes through
the generator, and each task's completions are turned into tables and committed on their own, so
a killed run keeps every task that finished."""

from __future__ import annotations

from collections.abc import Callable

from assay.flows.compute import Compute
from assay.flows.progress import Progress
from assay.flows.state import RunState
from assay.schemas.records import Role, Task
from assay.workers.api import Completion, Request

Groups = dict[str, list[tuple[Role, Request]]]  # task id -> (role, request) pairs
Done = list[tuple[tuple[Role, Request], Completion]]  # each request with its completion


def generate_and_commit(
    state: RunState,
    compute: Compute,
    groups: Groups,
    label: str,
    progress: Progress,
    make: Callable[[Task, Done], dict[str, list]],
    stage: str,
    round_: int,
) -> None:
    """Generate `groups`, turn each task's results into tables with `make`, commit per task."""
    if not groups:
        return
    by_id = {t.id: t for t in state.tasks}
    bar = progress.stage(label, len(groups))
    for task_id, completions in compute.generate(groups):
        t = by_id[task_id]
        state.commit(
            stage, t, round_, make(t, list(zip(groups[task_id], completions, strict=True)))
        )
        bar.advance(t.name)
    bar.close()
