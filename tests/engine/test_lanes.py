"""The engine's loop and lanes on thread workers: batching across tasks, the bounds on work in
flight, and what happens when a worker is lost."""

from __future__ import annotations

import contextlib
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest

from assay.flows.engine.compute import Compute
from assay.flows.engine.lanes import CheckLane, GenerationLane, LaneError
from assay.flows.engine.loop import drive
from assay.flows.engine.steps import Check, Generate, GenerationFailed, Program
from assay.flows.progress import Progress
from assay.schemas.records import Status
from assay.verifiers.sandbox import Limits
from assay.workers.api import Completion, Request, Sampling
from assay.workers.pools import LostWorker, ThreadChecker

LIMITS = Limits(wall_s=5, cpu_s=5, memory_mb=256)


class CountingWorker:
    """Echoes requests after `delay`; records each call's size and the most calls at once."""

    def __init__(self, delay: float = 0.02, lose_first: int = 0) -> None:
        self.pool = ThreadPoolExecutor(max_workers=4)
        self.delay = delay
        self.sizes: list[int] = []
        self.active = 0
        self.most = 0
        self.lose_first = lose_first
        self.restarts = 0
        self._lock = threading.Lock()

    def _call(self, requests: list[Request]) -> list[Completion]:
        with self._lock:
            self.active += 1
            self.most = max(self.most, self.active)
            self.sizes.append(len(requests))
            lose = self.lose_first > 0
            self.lose_first -= 1
        time.sleep(self.delay)
        with self._lock:
            self.active -= 1
        if lose:
            raise LostWorker("planted: the replica's node went away")
        return [Completion(r.key, (f"echo {r.key}",) * r.sampling.n, "echo") for r in requests]

    def submit(self, payload: Any) -> Future:
        return self.pool.submit(self._call, list(payload))

    def lost(self, exc: BaseException) -> bool:
        return isinstance(exc, LostWorker)

    def restart(self) -> None:
        self.restarts += 1

    def close(self) -> None:
        self.pool.shutdown(wait=True)


def _requests(task: int, k: int = 2) -> list[Request]:
    return [Request(f"t{task}:r{j}", ({"role": "user", "content": "x"},), Sampling(n=1))
            for j in range(k)]  # fmt: skip


def _program(task: int, seen: dict[int, list[str]], rounds: int = 2) -> Program:
    for _ in range(rounds):
        completions = yield Generate(_requests(task))
        seen.setdefault(task, []).extend(c.texts[0] for c in completions)


def _compute(worker: CountingWorker, batch: int, in_flight: int) -> Compute:
    checks = CheckLane([ThreadChecker()], LIMITS)
    return Compute(GenerationLane([worker], batch, in_flight), checks, "python")


def test_requests_from_many_tasks_share_each_call_and_answers_find_their_task() -> None:
    worker, seen = CountingWorker(), {}
    compute = _compute(worker, batch=64, in_flight=1)
    programs = ((f"t{i}", _program(i, seen)) for i in range(40))
    stats = drive(programs, compute, window=40, progress=Progress(quiet=True), total=40)
    compute.close()
    assert stats["prompts"] == 40 * 2 * 2
    assert stats["generator_calls"] <= 4  # one task alone would take 80 calls
    assert max(worker.sizes) == 64
    assert all(seen[i] == [f"echo t{i}:r0", f"echo t{i}:r1"] * 2 for i in range(40))


def test_calls_in_flight_per_replica_and_open_tasks_stay_bounded() -> None:
    worker, seen = CountingWorker(delay=0.01), {}
    compute = _compute(worker, batch=3, in_flight=2)
    open_now, most_open = 0, 0

    def tracked(i: int) -> Program:
        nonlocal open_now, most_open
        open_now += 1
        most_open = max(most_open, open_now)
        yield from _program(i, seen, rounds=1)
        open_now -= 1

    programs = ((f"t{i}", tracked(i)) for i in range(30))
    drive(programs, compute, window=5, progress=Progress(quiet=True), total=30)
    compute.close()
    assert worker.most <= 2 and max(worker.sizes) <= 3
    assert most_open <= 5
    assert len(seen) == 30


def test_a_lost_replica_is_restarted_and_its_calls_resent() -> None:
    worker, seen = CountingWorker(lose_first=2), {}
    compute = _compute(worker, batch=8, in_flight=1)
    programs = ((f"t{i}", _program(i, seen, rounds=1)) for i in range(10))
    drive(programs, compute, window=10, progress=Progress(quiet=True), total=10)
    compute.close()
    assert worker.restarts == 2
    assert all(seen[i] == [f"echo t{i}:r0", f"echo t{i}:r1"] for i in range(10))


def test_a_replica_that_keeps_dying_stops_the_run_with_the_reason() -> None:
    """Every call lost, none answered: the replicas are broken, not a prompt poisoned."""

    def shrugs(task: int) -> Program:
        for _ in range(3):
            with contextlib.suppress(GenerationFailed):
                yield Generate(_requests(task))

    worker = CountingWorker(lose_first=10_000)
    compute = _compute(worker, batch=8, in_flight=1)
    with pytest.raises(LaneError, match="lost in a row with none answered"):
        drive(((f"t{i}", shrugs(i)) for i in range(20)), compute, 20, Progress(quiet=True), 20)
    compute.close()


class LosingChecker(ThreadChecker):
    """A verifier worker lost whenever it is sent an item whose code says so."""

    def __init__(self) -> None:
        super().__init__()
        self.restarts = 0

    def submit(self, payload: Any) -> Future:
        _, _, items, _ = payload
        if any("LOSE" in item.code for item in items):
            future: Future = Future()
            future.set_exception(LostWorker("planted: the verifier's node went away"))
            return future
        return super().submit(payload)

    def restart(self) -> None:
        self.restarts += 1


def test_an_item_that_loses_its_worker_every_time_gets_an_error_verdict_and_others_pass() -> None:
    checker = LosingChecker()
    lane = CheckLane([checker], LIMITS, retries=2)
    compute = Compute(GenerationLane([CountingWorker()], 8, 1), lane, "python")
    items = [{"id": f"c{i}", "code": f"def f():\n    return {i}", "tests": [f"assert f() == {i}"]}
             for i in range(6)]  # fmt: skip
    items[3] = {"id": "c3", "code": "def f():\n    return 'LOSE'", "tests": ["assert f()"]}
    got: dict[str, Any] = {}

    def program() -> Program:
        got["verdicts"] = yield Check(items)

    drive([("t", program())], compute, 1, Progress(quiet=True), 1)
    compute.close()
    verdicts = got["verdicts"]
    assert [v.candidate_id for v in verdicts] == [f"c{i}" for i in range(6)]
    assert verdicts[3].status is Status.ERROR
    assert "lost 3 times" in verdicts[3].evidence["infrastructure"]
    assert all(v.status is Status.PASS for i, v in enumerate(verdicts) if i != 3)
    assert checker.restarts == 3  # the first chunk, then the bad item alone twice


def test_a_program_that_fails_stops_the_loop_with_its_error() -> None:
    def bad() -> Program:
        yield Generate(_requests(0))
        raise RuntimeError("planted bug in a domain program")

    compute = _compute(CountingWorker(), 8, 1)
    with pytest.raises(RuntimeError, match="planted bug"):
        drive([("t", bad())], compute, 1, Progress(quiet=True), 1)
    compute.close()
