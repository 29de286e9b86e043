"""The two lanes work flows through: requests to generator replicas, check items to verifier
workers. Each keeps a queue, sends batches to whichever worker has room (at most `in_flight`
outstanding calls per worker, so every worker always has its next batch waiting), and hands
each operation its answers, in order, once all of them are back.

Workers are anything with `submit(payload) -> Future`, `lost(exc) -> bool`, `restart()` and
`close()` (Ray actors in `workers.pools`, threads in tests); `calls.Lane` times their calls and
replaces a worker that died or stopped answering. What the call that was running when it went
is blamed for differs: a generation batch is split in halves, then halves again, so the prompt
that kills replicas is found in a few restarts, and a prompt lost alone `retries` times (losses
its replica's own, not a node's: see `calls`) gets a `Failed` answer (its task records the
failure; the run goes on). A check chunk's items are sent
alone after a loss, and one lost more than `retries` times gets an `error` verdict.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from assay.flows.engine.calls import Call, Lane, LaneError, Worker
from assay.flows.engine.steps import Failed
from assay.schemas.records import Verdict
from assay.verifiers import registry
from assay.verifiers.batch import broken_verdict, stamped
from assay.verifiers.jsonl import items_of
from assay.verifiers.sandbox import Limits
from assay.workers.api import Request

__all__ = ["CheckLane", "GenerationLane", "LaneError", "Worker"]


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
    tries: int = 0  # calls lost while they carried it
    alone: int = 0  # of those, calls that carried it alone
    key: tuple[str, str] = ("", "")  # check items: (verifier, options) they go to


def place(call: Call, answers: Sequence[Any], worker: str, what: str) -> None:
    """Each of a call's answers to its operation's slot, in the call's order; a worker that
    answers a different count broke its contract, and nothing of it is placed."""
    if len(answers) != len(call.entries):
        raise LaneError(f"{worker} returned {len(answers)} {what} for {len(call.entries)}")
    for entry, answer in zip(call.entries, answers, strict=True):
        entry.slot.put(entry.index, answer)


class GenerationLane(Lane):
    """Requests from many tasks, `batch_size` per call, to the least loaded replica; a call
    unanswered after `call_timeout_s` loses its replica."""

    def __init__(
        self,
        workers: Sequence[Worker],
        batch_size: int,
        in_flight: int,
        retries: int = 2,
        call_timeout_s: float = 1800.0,
        ready_timeout_s: float = 1800.0,
    ) -> None:
        size = max(1, batch_size)
        # Isolating one poisoned prompt loses log2(batch) + retries calls in a row at most.
        breaker = 2 * (math.ceil(math.log2(size)) + retries + 1) + len(workers)
        super().__init__(workers, in_flight, ready_timeout_s, breaker)
        self.batch_size = size
        self.retries = max(1, retries)
        self.call_timeout_s = call_timeout_s
        self.queue: deque[Entry] = deque()
        self.suspects: deque[list[Entry]] = deque()  # parts of lost batches, each sent alone
        self.calls = 0
        self.prompts = 0
        self.failed: list[Failed] = []

    def submit(self, requests: Sequence[Request], done: Callable[[list[Any]], None]) -> None:
        slot = Slot.of(len(requests), done)
        self.queue.extend(Entry(r, slot, i) for i, r in enumerate(requests))

    def pump(self) -> None:
        while self.suspects or self.queue:
            if self.suspects:  # alone, one at a time, on an idle started replica; nothing else
                if self.held or (index := self._idle()) is None:  # is sent meanwhile
                    return
                batch = self.suspects.popleft()
                self.held.add(index)
            elif (index := self._free()) is not None:
                batch = [self.queue.popleft() for _ in range(min(self.batch_size, len(self.queue)))]
            else:
                return
            self._send(index, batch, [e.payload for e in batch], self.call_timeout_s)
            self.calls += 1
            self.prompts += len(batch)

    isolate = True

    def blame(self, entries: list[Entry], reason: str, counted: bool) -> None:
        for entry in entries:
            entry.tries += 1
        if len(entries) > 1:  # halves, each sent alone: the poisoned prompt is in one of them
            half = len(entries) // 2
            self.suspects.extendleft([entries[half:], entries[:half]])
            return
        entry = entries[0]
        entry.alone += counted
        if entry.alone < self.retries:
            self.suspects.appendleft([entry])
            return
        failed = Failed(entry.payload, f"generator replica lost {entry.tries} times with this "
                        f"prompt in its batch, {entry.alone} of them alone: {reason}")  # fmt: skip
        self.failed.append(failed)
        entry.slot.put(entry.index, failed)

    def requeue(self, entries: list[Entry]) -> None:
        self.queue.extendleft(reversed(entries))

    def answer(self, call: Call, completions: Any) -> None:
        place(call, completions, "generator", "completions")


class CheckLane(Lane):
    """Check items from many tasks, in chunks, to every verifier worker. A chunk holds one
    verifier's items; chunks shrink as the queue does, so the last checks spread out too. A
    chunk's deadline is `slack_s` plus each item's `item_timeout_s` (derived from the wall
    limit when None: see `item_budget`)."""

    def __init__(
        self,
        workers: Sequence[Worker],
        limits: Limits,
        in_flight: int = 2,
        max_chunk: int = 16,
        retries: int = 2,
        item_timeout_s: float | None = None,
        slack_s: float = 60.0,
        ready_timeout_s: float = 1800.0,
    ) -> None:
        breaker = 2 * (retries + 2) + len(workers)
        super().__init__(workers, in_flight, ready_timeout_s, breaker)
        self.limits = limits
        self.max_chunk = max_chunk
        self.retries = retries
        self.item_timeout_s = item_timeout_s
        self.slack_s = slack_s
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
        models = items_of(registry.configured(verifier, options), items)
        key = (verifier, repr(sorted((options or {}).items())))
        self._options[key] = options
        slot = Slot.of(len(models), done)
        queue = self.queues.setdefault(key, deque())
        queue.extend(Entry(m, slot, i, key=key) for i, m in enumerate(models))

    def _queued(self) -> int:
        return sum(len(q) for q in self.queues.values())

    def deadline(self, chunk: list[Entry]) -> float:
        each = self.item_timeout_s
        return self.slack_s + sum(
            each if each is not None else item_budget(e.payload, self.limits) for e in chunk
        )

    def pump(self) -> None:
        while (total := self._queued()) and (index := self._free()) is not None:
            key, queue = next((k, q) for k, q in self.queues.items() if q)
            size = 1 if queue[0].tries else math.ceil(total / len(self.workers))
            size = min(self.max_chunk, size, len(queue))
            chunk = [queue.popleft() for _ in range(size)]
            self.queues[key] = self.queues.pop(key)  # round robin: other verifiers go next
            payload = (key[0], self._options[key], [e.payload for e in chunk], self.limits)
            self._send(index, chunk, payload, self.deadline(chunk))
            self.checks += size

    def _broken(self, entry: Any, reason: str) -> Verdict:
        """The `error` verdict of an item no worker survived, stamped like a checked one."""
        name = entry.key[0]
        verdict = broken_verdict(entry.payload, name, reason)
        return stamped(verdict, registry.get(name), self._options[entry.key], self.limits)

    def blame(self, entries: list[Entry], reason: str, counted: bool) -> None:
        for entry in entries:
            entry.tries += 1
            if entry.tries > self.retries:
                why = f"verifier worker lost {entry.tries} times on this item: {reason}"
                entry.slot.put(entry.index, self._broken(entry, why))
            else:  # alone next time: one bad item cannot take others down with it
                self.queues.setdefault(entry.key, deque()).appendleft(entry)

    def requeue(self, entries: list[Entry]) -> None:
        for entry in reversed(entries):
            self.queues.setdefault(entry.key, deque()).appendleft(entry)

    def answer(self, call: Call, verdicts: Any) -> None:
        place(call, verdicts, "verifier", "verdicts")


def item_budget(item: Any, limits: Limits) -> float:
    """Seconds one check item may honestly take: a sandboxed run per test where the item lists
    its tests (stdin/stdout programs run once per test), two more for compiling and slack, each
    up to the wall limit."""
    tests = getattr(item, "tests", None)
    runs = len(tests) if isinstance(tests, list | tuple) else 0
    return limits.wall_s * (runs + 2)
