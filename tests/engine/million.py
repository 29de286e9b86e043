"""Run 10**6 one-line tasks from a generator-backed source through the engine's pending scan
and admission loop (trivial programs, no model, no verifier), printing the driver's peak RSS
above what it held before: `python million.py DATASET N [--list]` (`--list`: the tasks held as
a list instead, the control). Run in a subprocess by `test_streamed_tasks`."""

from __future__ import annotations

import json
import resource
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import assay  # noqa: F401  (before Ray's imports)
from assay.flows.config import load_config
from assay.flows.engine.rounds import pending, run_programs
from assay.flows.engine.steps import Check
from assay.flows.progress import Progress
from assay.flows.state import RunState
from assay.flows.tasks import Tasks
from assay.schemas.records import Task
from assay.schemas.store import Store


def one_line_tasks(n: int) -> Iterator[Task]:
    for k in range(n):
        yield Task("code", "gen.jsonl", f"t{k}", f"def f{k}(x): return x + {k}", f"f{k}")


class Answering:
    """A compute that answers every op with nothing at its next step, as a lane would."""

    generation = SimpleNamespace(workers=[], in_flight=1, batch_size=1)  # engine.window rules

    def __init__(self) -> None:
        self.waiting: list[Callable[[Any], None]] = []

    def submit(self, op: Any, back: Callable[[Any], None]) -> None:
        self.waiting.append(back)

    def step(self) -> bool:
        waiting, self.waiting = self.waiting, []
        for back in waiting:
            back([])
        return bool(waiting)

    def stats(self) -> dict[str, Any]:
        return {}


def peak_mb() -> float:
    """The process's peak RSS so far (a peak, not the RSS now: pages swapped out under a busy
    machine's memory pressure would make the RSS now read low)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(dataset: Path, n: int, as_list: bool) -> dict[str, Any]:
    config = load_config(None, [f"dataset={dataset}", "engine.window=64", "tester.n=0"])
    ran: list[int] = [0]

    def program(state: Any, t: Task, index: int) -> Iterator[Any]:
        yield Check([])  # one round trip through the fake compute: the window fills
        ran[0] += 1

    parts = SimpleNamespace(program=program)
    compute = Answering()
    before = peak_mb()
    tasks = Tasks.of(one_line_tasks(n)) if as_list else Tasks(lambda: one_line_tasks(n))
    state = RunState(config, Store(config.dataset), tasks)
    pend = pending(state, parts)  # type: ignore[arg-type]
    run_programs(state, parts, compute, Progress(quiet=True), pend)  # type: ignore[arg-type]
    return {"pending": pend.todo, "ran": ran[0], "peak_above_mb": peak_mb() - before}


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]), int(sys.argv[2]), "--list" in sys.argv)))
