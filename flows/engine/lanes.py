"""The two lanes work flows through: requests to generator replicas, check items to verifier
workers. Each keeps a queue, sends batches to whichever worker has room (at most `in_flight`
outstanding calls per worker, so every worker always has its next batch waiting), and hands
each operation its answers, in order, once all of them are back.

Workers are anything with `submit(payload) -> Future`, `lost(exc) -> bool`, `restart()` and
`close()` (Ray actors in `workers.pools`, threads in tests). A call that fails because its
worker was lost is resent after a restart; a check item whose worker is lost `retries` times
gets an `error` verdict with the evidence, and the run goes on.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Protocol

from assay.schemas.records import Verdict
from assay.verifiers import registry
from assay.verifiers.batch import broken_verdict, stamped
from assay.verifiers.sandbox import Limits
from assay.workers.api import Request


class Worker(Protocol):
    def submit(self, payload: Any) -> Future: ...
    def lost(self, exc: BaseException) -> bool: ...
    def restart(self) -> None: ...
    def close(self) -> None: ...


class LaneError(RuntimeError):
    """A lane cannot go on (a worker kept dying, or answered with the wrong count)."""


@dataclass
class Slot:
    """One operation's answers, gathered in order; `done` fires once with all of them."""

    done: Callable[[list[Any]], None]
    answers: list[Any]
    left: int

    @classmethod
    def of(cls, size: int, done: Callable[[list[Any]], None]) -> Slot:
        return cls(done, [None] * size, size)

    def put(self, index: int, answer: Any) -> None:
        self.answers[index] = answer
        self.left -= 1
        if self.left == 0:
            self.done(self.answers)


@dataclass
class Entry:
    payload: Any  # a Request, or a validated check item
    slot: Slot
    index: int
    tries: int = 0
    key: tuple[str, str] = ("", "")  # check items: (verifier, options) they go to


@dataclass
class _Lane:
    workers: Sequence[Worker]
    in_flight: int
    busy: dict[Future, tuple[int, int, list[Entry]]] = field(default_factory=dict)
    load: list[int] = field(default_factory=list)
    epochs: list[int] = field(default_factory=list)  # restarts per worker so far

    def __post_init__(self) -> None:
        if not self.workers:
            raise ValueError("a lane needs at least one worker")
        self.load = [0] * len(self.workers)
        self.epochs = [0] * len(self.workers)

    def _free(self) -> int | None:
        """The least loaded worker with room for another call, if any."""
        index = min(range(len(self.load)), key=self.load.__getitem__)
        return index if self.load[index] < self.in_flight else None

    def _send(self, index: int, entries: list[Entry], payload: Any) -> None:
        self.busy[self.workers[index].submit(payload)] = (index, self.epochs[index], entries)
        self.load[index] += 1

    def futures(self) -> list[Future]:
        return list(self.busy)

    def _take(self, future: Future) -> tuple[int, list[Entry], Any, BaseException | None]:
        index, epoch, entries = self.busy.pop(future)
        self.load[index] -= 1
        try:
            return index, entries, future.result(), None
        except Exception as exc:
            if not self.workers[index].lost(exc):
                raise
            if epoch == self.epochs[index]:  # the other calls it had fail too: restart once
                self.workers[index].restart()
                self.epochs[index] += 1
            return index, entries, None, exc

    def close(self) -> None:
        for worker in self.workers:
            worker.close()


class GenerationLane(_Lane):
    """Requests from many tasks, `batch_size` per call, to the least loaded replica."""

    def __init__(
        self, workers: Sequence[Worker], batch_size: int, in_flight: int, retries: int = 3
    ) -> None:
        super().__init__(workers, in_flight)
        self.batch_size = max(1, batch_size)
        self.retries = retries
        self.queue: deque[Entry] = deque()
        self.calls = 0
        self.prompts = 0

    def submit(self, requests: Sequence[Request], done: Callable[[list[Any]], None]) -> None:
        slot = Slot.of(len(requests), done)
        self.queue.extend(Entry(r, slot, i) for i, r in enumerate(requests))

    def pump(self) -> None:
        while self.queue and (index := self._free()) is not None:
            n = min(self.batch_size, len(self.queue))
            batch = [self.queue.popleft() for _ in range(n)]
            self._send(index, batch, [e.payload for e in batch])
            self.calls += 1
            self.prompts += n

    def settle(self, future: Future) -> None:
        _, batch, completions, lost = self._take(future)
        if lost is not None:
            for entry in batch:
                entry.tries += 1
                if entry.tries > self.retries:
                    raise LaneError(f"generator replica lost {entry.tries} times: {lost}")
            self.queue.extendleft(reversed(batch))
            return
        if len(completions) != len(batch):
            raise LaneError(f"generator returned {len(completions)} completions for {len(batch)}")
        for entry, completion in zip(batch, completions, strict=True):
            entry.slot.put(entry.index, completion)


class CheckLane(_Lane):
    """Check items from many tasks, in chunks, to every verifier worker. A chunk holds one
    verifier's items; chunks shrink as the queue does, so the last checks spread out too."""

    def __init__(
        self,
        workers: Sequence[Worker],
        limits: Limits,
        in_flight: int = 2,
        max_chunk: int = 16,
        retries: int = 2,
    ) -> None:
        super().__init__(workers, in_flight)
        self.limits = limits
        self.max_chunk = max_chunk
        self.retries = retries
        self.queues: dict[tuple[str, str], deque[Entry]] = {}
        self._options: dict[tuple[str, str], dict[str, Any] | None] = {}
        self.checks = 0

    def submit(
        self,
        verifier: str,
        options: dict[str, Any] | None,
        items: Sequence[Any],
        done: Callable[[list[Any]], None],
    ) -> None:
        from assay.verifiers import registry
        from assay.workers.dispatch import validated

        models = validated(registry.configured(verifier, options), list(items))
        key = (verifier, repr(sorted((options or {}).items())))
        self._options[key] = options
        slot = Slot.of(len(models), done)
        queue = self.queues.setdefault(key, deque())
        queue.extend(Entry(m, slot, i, key=key) for i, m in enumerate(models))

    def _queued(self) -> int:
        return sum(len(q) for q in self.queues.values())

    def pump(self) -> None:
        while (total := self._queued()) and (index := self._free()) is not None:
            key, queue = next((k, q) for k, q in self.queues.items() if q)
            size = 1 if queue[0].tries else math.ceil(total / len(self.workers))
            size = min(self.max_chunk, size, len(queue))
            chunk = [queue.popleft() for _ in range(size)]
            self.queues[key] = self.queues.pop(key)  # round robin: other verifiers go next
            payload = (key[0], self._options[key], [e.payload for e in chunk], self.limits)
            self._send(index, chunk, payload)
            self.checks += size

    def _broken(self, entry: Any, reason: str) -> Verdict:
        """The `error` verdict of an item no worker survived, stamped like a checked one."""
        name = entry.key[0]
        verdict = broken_verdict(entry.payload, name, reason)
        return stamped(verdict, registry.get(name), self._options[entry.key], self.limits)

    def settle(self, future: Future) -> None:
        _, chunk, verdicts, lost = self._take(future)
        if lost is not None:
            for entry in chunk:
                entry.tries += 1
                if entry.tries > self.retries:
                    reason = f"verifier worker lost {entry.tries} times on this item: {lost}"
                    entry.slot.put(entry.index, self._broken(entry, reason))
                else:  # alone next time: one bad item cannot take others down with it
                    self.queues.setdefault(entry.key, deque()).appendleft(entry)
            return
        if len(verdicts) != len(chunk):
            raise LaneError(f"verifier returned {len(verdicts)} verdicts for {len(chunk)}")
        for entry, verdict in zip(chunk, verdicts, strict=True):
            entry.slot.put(entry.index, verdict)
