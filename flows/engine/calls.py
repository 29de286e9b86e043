"""Calls in flight to a lane's workers, each with a deadline.

Workers run their calls one at a time (an actor's queue), so only a worker's oldest call is
running; its clock starts when the worker took it (sent, or the call before it answered, or the
worker came back up). A call past its deadline, or one whose worker died, loses the worker: it is
killed and replaced (`restart`; `ray.kill` ends a stopped process too), the call that was running
is blamed (`Lane.blame`, the lanes split or fail its entries), and the worker's other calls go
back in the queue as they were. A lane that loses `breaker` calls in a row with none answered is
broken, not poisoned: it stops the run.

A replacement that fails to start is started again. When its own code failed (an exception in
its constructor: `actor_init_failed`) that counts toward the breaker, in a row with lost calls.
Any other failed start (placed on a node that is going, or its process killed while starting)
is the cluster's: the worker waits a little longer before each next start (doubling from
`start_backoff_s`, at most `START_WAIT_S`) and the run stops only after `START_TRIES` in a row,
minutes, long enough for Ray to see a dead node and place the worker elsewhere.

In a lane that `isolate`s (generation), a loss counts against what its call carried
only when the call was a probe (sent alone, one at a time, to a started worker) and its worker
went alone: no other worker lost while it ran, no other call failing with it, every idle worker
answering a ping. A node that dies takes all its workers at once; that is the cluster's fault,
never a prompt's.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, FIRST_EXCEPTION, Future, wait
from dataclasses import dataclass, field
from typing import Any, Protocol


class Worker(Protocol):
    def submit(self, payload: Any) -> Future: ...
    def lost(self, exc: BaseException) -> bool: ...
    def restart(self) -> None: ...
    def close(self) -> None: ...


LOSS_GRACE_S = 2.0  # for a dead actor's other calls to resolve, answered or failed
ISOLATION_S = 1.0  # for the other workers' pings, and calls failing with this one
START_TRIES = 10  # failed starts in a row, none of them the worker's own, before the run stops
START_WAIT_S = 30.0  # the longest wait before starting a worker again


def _after(seconds: float) -> Future:
    """A future that is done after `seconds` (a parked worker's next start)."""
    future: Future = Future()
    timer = threading.Timer(seconds, future.set_result, (None,))
    timer.daemon = True
    timer.start()
    return future


class LaneError(RuntimeError):
    """A lane cannot go on (its workers keep dying, or one answered with the wrong count)."""


@dataclass
class Call:
    index: int  # the worker
    entries: list[Any]
    sent: float
    deadline: float  # seconds it may run once its worker has taken it


def name_of(worker: Any, index: int) -> str:
    return str(getattr(worker, "name", "") or f"worker {index}")


@dataclass
class Lane:
    workers: Sequence[Worker]
    in_flight: int
    ready_timeout_s: float = 1800.0  # a replaced worker must start again within this
    breaker: int = 8
    busy: dict[Future, Call] = field(default_factory=dict)
    load: list[int] = field(default_factory=list)
    epochs: list[int] = field(default_factory=list)  # restarts per worker so far
    since: list[float | None] = field(default_factory=list)  # None: starting again
    starting: dict[Future, tuple[int, float]] = field(default_factory=dict)
    in_row: int = 0  # calls lost since the last answer
    held: set[int] = field(default_factory=set)  # workers given one call alone (a suspect)
    lost_at: list[float] = field(default_factory=list)  # when each worker was last lost
    start_backoff_s: float = 0.5  # the wait before the second start in a row, doubled after
    fails: list[int] = field(default_factory=list)  # failed starts in a row, per worker
    parked: dict[Future, int] = field(default_factory=dict)  # waiting to start again

    def __post_init__(self) -> None:
        if not self.workers:
            raise ValueError("a lane needs at least one worker")
        self.load = [0] * len(self.workers)
        self.epochs = [0] * len(self.workers)
        self.since = [time.monotonic()] * len(self.workers)
        self.lost_at = [-math.inf] * len(self.workers)
        self.fails = [0] * len(self.workers)

    def pump(self) -> None:
        """Send queued work to workers with room (the lanes say how it is batched)."""
        raise NotImplementedError

    def blame(self, entries: list[Any], reason: str, counted: bool) -> None:
        """The entries of a call that lost its worker (the lanes say what happens to them);
        `counted`: the loss was the worker's own, so it counts against what the call carried."""
        raise NotImplementedError

    def requeue(self, entries: list[Any]) -> None:
        """Entries of a call that was waiting behind a lost one: sent again as they were."""
        raise NotImplementedError

    def _shut(self) -> set[int]:
        """Workers that take no new call now: held for a probe, or parked before a restart."""
        return self.held | set(self.parked.values())

    def _free(self) -> int | None:
        """The least loaded worker with room for another call, if any."""
        shut = self._shut()
        open_ = [i for i in range(len(self.load)) if i not in shut]
        index = min(open_, key=self.load.__getitem__, default=None)
        return index if index is not None and self.load[index] < self.in_flight else None

    def _idle(self) -> int | None:
        """A started worker with no call at all, to be given one alone: when it dies, that call
        was the one running (a dead actor's answer to an earlier call can be lost with it)."""
        shut = self._shut()
        started = (i for i, n in enumerate(self.load) if n == 0 and self.since[i] is not None)
        return next((i for i in started if i not in shut), None)

    def _send(self, index: int, entries: list[Any], payload: Any, deadline: float) -> None:
        future = self.workers[index].submit(payload)
        self.busy[future] = Call(index, entries, time.monotonic(), deadline)
        self.load[index] += 1

    def futures(self) -> list[Future]:
        return [*self.busy, *self.starting, *self.parked]

    def _head(self, index: int) -> Call | None:
        return next((c for c in self.busy.values() if c.index == index), None)

    def _clock(self, index: int) -> tuple[Call, float] | None:
        """Worker `index`'s running call and when it started, if it has one and is up."""
        call, since = self._head(index), self.since[index]
        return None if call is None or since is None else (call, max(call.sent, since))

    def answer(self, call: Call, result: Any) -> None:
        """Hand a call's answers to their operations (the lanes check and place them)."""
        raise NotImplementedError

    def settle(self, future: Future) -> None:
        """Settle a finished call: its answers, or its worker lost (and what follows), or
        nothing (a call of a replaced worker; a worker back up; a parked one started again)."""
        if future in self.parked:
            self._replace(self.parked.pop(future))
            return
        if future in self.starting:
            index, _ = self.starting.pop(future)
            if (exc := future.exception()) is not None:
                self._failed_start(index, exc)
            else:
                self.since[index] = time.monotonic()
                self.fails[index] = 0
            return
        call = self.busy.get(future)
        if call is None:
            return
        try:
            result = future.result()
        except Exception as exc:
            worker = self.workers[call.index]
            if not worker.lost(exc):
                raise
            serial = bool(getattr(worker, "serial", False))
            self.lose(call.index, call, f"{type(exc).__name__}: {exc}", LOSS_GRACE_S * serial)
            return
        del self.busy[future]
        self.load[call.index] -= 1
        self.held.discard(call.index)
        self.since[call.index] = time.monotonic()
        self.in_row = 0
        self.answer(call, result)

    def lose(self, index: int, call: Call, reason: str, grace_s: float = 0.0) -> None:
        """Worker `index` is gone: replace it, blame the call that was running (`call`, or on
        a serial worker the oldest not answered), resend the rest. A dead actor's calls all
        resolve at once: `grace_s` waits for them, so one that answered before it died is
        taken as answered, not blamed."""
        calls = [(f, c) for f, c in self.busy.items() if c.index == index]
        if grace_s:
            wait([f for f, _ in calls], timeout=grace_s)
        left: list[Call] = []
        for future, other in calls:
            del self.busy[future]
            if future.done() and future.exception() is None:
                self.answer(other, future.result())  # it answered before the worker went
            else:
                left.append(other)
        self.load[index] -= len(calls) - len(left)
        if not left:
            return  # every call answered after all: nothing was lost
        self.load[index] = 0
        probe = index in self.held  # a held worker carries its one call, `call`
        self.held.discard(index)
        self._in_row(index, reason)
        worker = self.workers[index]
        running = left[0] if getattr(worker, "serial", False) and left else call
        counted = not self.isolate or (probe and self._isolated(index, running.sent))
        for other in reversed(left):
            if other is running:
                self.blame(other.entries, reason, counted)
            else:
                self.requeue(other.entries)
        self._replace(index)

    isolate = False  # count only a probe's loss, and only when its worker went alone

    def _in_row(self, index: int, reason: str) -> None:
        """One more call (or start) lost with none answered since; past `breaker`, the
        workers are failing, not a prompt or an item: the run stops."""
        self.lost_at[index] = time.monotonic()
        self.in_row += 1
        if self.in_row > self.breaker:
            raise LaneError(
                f"{name_of(self.workers[index], index)}: {self.in_row} calls or starts lost in a "
                f"row with none answered (the workers, not a prompt or item, are failing): "
                f"{reason}"
            )

    def _replace(self, index: int) -> None:
        """A new worker in place of `index`; it takes no probe until it has started."""
        worker = self.workers[index]
        worker.restart()
        self.epochs[index] += 1
        ready = getattr(worker, "ready", None)
        self.since[index] = None if ready else time.monotonic()
        if ready:
            self.starting[ready()] = (index, time.monotonic())

    def _failed_start(self, index: int, exc: BaseException) -> None:
        """A replacement that died starting is started again: at once, counted toward the
        breaker, when its own constructor raised; else (placed on a node that is going) after a
        wait that doubles each time, until `START_TRIES` in a row stop the run."""
        worker = self.workers[index]
        if not worker.lost(exc):
            raise exc
        reason = f"{type(exc).__name__}: {exc}"
        for future, call in list(self.busy.items()):  # sent while it was starting
            if call.index == index:
                del self.busy[future]
                self.requeue(call.entries)
        self.load[index] = 0
        if getattr(exc, "actor_init_failed", False):
            self._in_row(index, reason)
            self._replace(index)
            return
        self.fails[index] += 1
        if self.fails[index] >= START_TRIES:
            raise LaneError(
                f"{name_of(worker, index)} failed to start {self.fails[index]} times in a row "
                f"(its node gone or out of memory?): {reason}"
            )
        wait_s = min(START_WAIT_S, self.start_backoff_s * 2 ** (self.fails[index] - 1))
        self.parked[_after(wait_s)] = index

    def _isolated(self, index: int, sent: float) -> bool:
        """Whether worker `index` went alone: no other was lost while its call ran, no other
        call fails with it, and every other idle started worker answers a ping. One that does
        not answer in time takes no work until it does (it waits as a starting worker)."""
        if any(j != index and at >= sent for j, at in enumerate(self.lost_at)):
            return False
        others = [f for f, c in self.busy.items() if c.index != index]
        pings: dict[Future, int] = {}
        for j, worker in enumerate(self.workers):
            ready = getattr(worker, "ready", None)
            if j != index and ready and self.load[j] == 0 and self.since[j] is not None:
                pings[ready()] = j
        if not others and not pings:
            return True
        done, _ = wait([*others, *pings], timeout=ISOLATION_S, return_when=FIRST_EXCEPTION)
        alone = True
        for future, j in pings.items():
            if future not in done:
                self.since[j] = None
                self.starting[future] = (j, time.monotonic())
                alone = False
            elif future.exception() is not None:
                self.starting[future] = (j, time.monotonic())  # settled as a failed start
                self.since[j] = None
                alone = False
        failed = [(f, e) for f in others if f in done and (e := f.exception()) is not None]
        return alone and not any(self.workers[self.busy[f].index].lost(e) for f, e in failed)

    def expire(self) -> None:
        """Lose every worker whose running call is past its deadline; a replaced worker that
        does not start again in time stops the run."""
        now = time.monotonic()
        for index, worker in enumerate(self.workers):
            for _future, (i, at) in self.starting.items():
                if i == index and now - at > self.ready_timeout_s:
                    why = getattr(worker, "waiting", lambda: "")()
                    raise LaneError(
                        f"{name_of(worker, index)} was replaced and did not start again within "
                        f"{self.ready_timeout_s:.0f}s{': ' + why if why else ''}"
                    )
            clock = self._clock(index)
            if clock and now - clock[1] > clock[0].deadline:
                self.lose(index, clock[0], f"no answer within {clock[0].deadline:.0f}s")

    def due(self) -> float | None:
        """Seconds until the next deadline (a running call's, or a restart's)."""
        now = time.monotonic()
        ends = [at + self.ready_timeout_s for _, at in self.starting.values()]
        for index in range(len(self.workers)):
            if clock := self._clock(index):
                ends.append(clock[1] + clock[0].deadline)
        return max(0.0, min(ends) - now) if ends else None

    def close(self) -> None:
        for worker in self.workers:
            worker.close()


def step(lanes: Sequence[Lane], timeout: float | None = None) -> bool:
    """One turn of the lanes: send what they can take, wait for any call to finish (or the next
    deadline), settle every finished one (their answers reach their operations), and replace
    workers past their deadline. False when nothing is in flight."""
    for lane in lanes:
        lane.pump()
    owner: dict[Future, Lane] = {f: lane for lane in lanes for f in lane.futures()}
    if not owner:
        return False
    dues = [d for d in (timeout, *(lane.due() for lane in lanes)) if d is not None]
    done, _ = wait(list(owner), timeout=min(dues, default=None), return_when=FIRST_COMPLETED)
    for future in done:
        owner[future].settle(future)
    for lane in lanes:
        lane.expire()
    return True
