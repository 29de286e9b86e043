"""The engine's loop: many tasks' programs at once, each advanced as soon as its answer is back.

At most `window` programs are open at a time (new tasks are admitted as others finish), which
bounds the work and memory in flight while keeping enough requests queued that every generator
call is a full batch and every verifier worker has its next chunk waiting.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

from assay.flows.engine.steps import Ask, Generate, Program, Workers
from assay.flows.progress import Generation, Progress


def drive(
    programs: Iterable[tuple[str, Program]],
    compute: Workers,
    window: int,
    progress: Progress,
    total: int,
    label: str = "tasks",
) -> dict[str, Any]:
    """Run every (name, program) to its end; returns the lanes' counters. A program that raises
    stops the run (what it committed before stays). An answer that is an exception (a
    `GenerationFailed`) is thrown into its program, which may catch it and go on or end."""
    source: Iterator[tuple[str, Program]] = iter(programs)
    ready: deque[tuple[str, Program, Any]] = deque()
    open_ = 0
    bar = progress.stage(label, total)
    generation = Generation()  # shown between task completions

    def admit() -> None:
        nonlocal open_
        while open_ < max(1, window):
            nxt = next(source, None)
            if nxt is None:
                return
            open_ += 1
            ready.append((nxt[0], nxt[1], None))

    def advance(name: str, program: Program, answer: Any) -> None:
        nonlocal open_
        try:
            op = (
                program.throw(answer) if isinstance(answer, BaseException) else program.send(answer)
            )
        except StopIteration:
            open_ -= 1
            bar.advance(name)
            return
        if isinstance(op, Generate):
            generation.submitted(len(op.requests))

        def back(got: Any) -> None:
            if isinstance(op, Generate):
                generation.returned(got)
            ready.append((name, program, got))

        if isinstance(op, Ask):  # decided by the run's budget, not a lane
            op.grants.ask(op, back)
        else:
            compute.submit(op, back)

    try:
        while True:
            admit()
            while ready:
                advance(*ready.popleft())
                admit()
            if open_ == 0:
                break
            bar.status(generation.line())
            if not compute.step():
                raise RuntimeError("the engine has open programs but nothing in flight")
    finally:
        bar.close()
    return compute.stats()
