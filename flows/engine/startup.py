"""Waiting for a run's workers to start, with a deadline: a model that never finishes loading,
or an actor Ray cannot place (no node with the GPU it asks for), must not hang the run before
its first call. The error names each worker still waiting and why, as far as Ray can say."""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import Future, wait
from typing import Any

from assay.flows.engine.calls import name_of


class WorkersNotReady(RuntimeError):
    """Some workers did not start; the message names them and why."""


def wait_ready(workers: Sequence[Any], timeout_s: float) -> float:
    """Wait until every worker that can say (`ready()`) has started; the seconds waited."""
    started = time.perf_counter()
    waiting: dict[Future, tuple[int, Any]] = {
        w.ready(): (i, w) for i, w in enumerate(workers) if hasattr(w, "ready")
    }
    done, left = wait(list(waiting), timeout=timeout_s)
    problems = []
    for future in done:
        if (exc := future.exception()) is not None:
            index, worker = waiting[future]
            problems.append(f"{name_of(worker, index)} failed to start: {_first_line(exc)}")
    for future in left:
        index, worker = waiting[future]
        why = worker.waiting() if hasattr(worker, "waiting") else ""
        problems.append(
            f"{name_of(worker, index)} did not start within {timeout_s:.0f}s"
            + (f": {why}" if why else "")
        )
    if problems:
        raise WorkersNotReady("; ".join(sorted(problems)) + _hint(left))
    return time.perf_counter() - started


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    lines = [line for line in text.splitlines() if line.strip()]
    return f"{type(exc).__name__}: {lines[-1] if lines else text}"


def _hint(left: Any) -> str:
    if not left:
        return ""
    return " (engine.ready_timeout_s sets how long to wait for workers to start)"
