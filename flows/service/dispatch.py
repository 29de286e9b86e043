"""The gateway's queue to the verifier workers: items of every request wait here, and go out
in chunks (one verifier's items, several requests' together) whenever a worker has room, never
more calls at once than the workers take (`slots`), so Ray Serve's router never backs off and
a burst of small requests costs few calls. An item whose call lost its worker goes again alone;
lost `tries` times, it gets an `error` verdict marked `infrastructure` (judged: false)."""

from __future__ import annotations

import asyncio
import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from assay.flows.engine.lanes import item_budget
from assay.schemas.records import Verdict
from assay.verifiers import registry
from assay.verifiers.batch import broken_verdict, stamped


@dataclass
class Entry:
    setup: Any  # setups.Setup
    item: Any
    answer: asyncio.Future[Verdict]
    tries: int = 0
    why: str = ""


@dataclass
class Dispatcher:
    workers: Any  # core.Workers
    slots: int  # calls at once: worker replicas x the calls each takes
    max_chunk: int
    tries: int
    item_timeout_s: float | None = None
    slack_s: float = 60.0
    queues: dict[str, deque[Entry]] = field(default_factory=dict)
    busy: int = 0

    async def check(self, setup: Any, items: list[Any]) -> list[Verdict]:
        """Verdicts of `items` (validated) in order."""
        loop = asyncio.get_running_loop()
        entries = [Entry(setup, item, loop.create_future()) for item in items]
        self.queues.setdefault(setup.name, deque()).extend(entries)
        self._pump()
        return list(await asyncio.gather(*(e.answer for e in entries)))

    def _pump(self) -> None:
        while self.busy < self.slots and (total := sum(map(len, self.queues.values()))):
            name, queue = next((n, q) for n, q in self.queues.items() if q)
            self.queues[name] = self.queues.pop(name)  # round robin over verifiers
            size = 1 if queue[0].tries else min(self.max_chunk, math.ceil(total / self.slots))
            chunk = [queue.popleft() for _ in range(min(size, len(queue)))]
            self.busy += 1
            asyncio.get_running_loop().create_task(self._run(chunk))

    def _deadline(self, chunk: list[Entry]) -> float:
        each = self.item_timeout_s
        return self.slack_s + sum(
            each if each is not None else item_budget(e.item, e.setup.limits) for e in chunk
        )

    async def _run(self, chunk: list[Entry]) -> None:
        setup, deadline = chunk[0].setup, self._deadline(chunk)
        try:
            call = self.workers.send(setup.name, setup.options, [e.item for e in chunk],
                                     setup.limits, deadline)  # fmt: skip
            verdicts = await asyncio.wait_for(call, deadline)
            if len(verdicts) != len(chunk):
                raise RuntimeError(f"a worker returned {len(verdicts)} verdicts for {len(chunk)}")
            for entry, verdict in zip(chunk, verdicts, strict=True):
                entry.answer.set_result(verdict)
        except Exception as exc:
            if self.workers.lost(exc) or isinstance(exc, TimeoutError):
                self._lost(chunk, f"{type(exc).__name__}: {exc}")
            else:
                for entry in chunk:
                    entry.answer.set_exception(exc)
        finally:
            self.busy -= 1
            self._pump()

    def _lost(self, chunk: list[Entry], why: str) -> None:
        queue = self.queues.setdefault(chunk[0].setup.name, deque())
        for entry in reversed(chunk):
            entry.tries += 1
            if entry.tries < self.tries:
                queue.appendleft(entry)  # alone next time, ahead of the others
                continue
            s = entry.setup
            reason = f"verifier worker lost {entry.tries} times on this item: {why[-500:]}"
            verdict = broken_verdict(entry.item, s.name, reason)
            entry.answer.set_result(stamped(verdict, registry.get(s.name), s.options, s.limits))
