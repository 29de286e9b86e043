"""Poison and hangs on thread workers: a prompt that kills every replica it reaches is found by
halving its batch and fails alone while every other prompt is answered; a call that never
answers loses its worker after its deadline and is answered by the replacement."""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from assay.flows.engine.calls import LaneError
from assay.flows.engine.compute import Compute
from assay.flows.engine.lanes import CheckLane, GenerationLane
from assay.flows.engine.loop import drive
from assay.flows.engine.steps import Generate, GenerationFailed, Program
from assay.flows.progress import Progress
from assay.verifiers.sandbox import Limits
from assay.workers.api import Completion, Request, Sampling
from assay.workers.pools import LostWorker, ThreadChecker

LIMITS = Limits(wall_s=5, cpu_s=5, memory_mb=256)


class Replica:
    """Echoes prompts, one call at a time. A call holding `poison` loses the replica; the first
    call holding `hang` never answers (until the test ends)."""

    def __init__(self, poison: str = "", hang: str = "") -> None:
        self.pool = ThreadPoolExecutor(max_workers=1)
        self.poison, self.hang = poison, hang
        self.sizes: list[int] = []  # of the calls it lost to poison
        self.restarts = 0
        self.release = threading.Event()

    def _call(self, requests: list[Request]) -> list[Completion]:
        keys = [r.key for r in requests]
        if self.poison and any(self.poison in k for k in keys):
            self.sizes.append(len(requests))
            raise LostWorker("planted: the replica's process died under this prompt")
        if self.hang and any(self.hang in k for k in keys):
            self.hang = ""
            self.release.wait()
        return [Completion(r.key, (f"echo {r.key}",), "echo") for r in requests]

    def submit(self, payload: Any) -> Future:
        return self.pool.submit(self._call, list(payload))

    def lost(self, exc: BaseException) -> bool:
        return isinstance(exc, LostWorker)

    def restart(self) -> None:  # the stuck thread stays stuck: a new one takes the calls
        self.restarts += 1
        self.pool.shutdown(wait=False)
        self.pool = ThreadPoolExecutor(max_workers=1)

    def close(self) -> None:
        self.release.set()
        self.pool.shutdown(wait=True)


def _task(i: int, got: dict[int, Any]) -> Program:
    requests = [Request(f"t{i}:r{j}", ({"role": "user", "content": "x"},), Sampling(n=1))
                for j in range(2)]  # fmt: skip
    try:
        completions = yield Generate(requests)
    except GenerationFailed as exc:
        got[i] = exc
        return
    got[i] = [c.texts[0] for c in completions]


def _run(replica: Replica, tasks: int, **lane: Any) -> dict[int, Any]:
    generation = GenerationLane([replica], batch_size=64, in_flight=1, **lane)
    compute = Compute(generation, CheckLane([ThreadChecker()], LIMITS), "python")
    got: dict[int, Any] = {}
    try:
        drive(((f"t{i}", _task(i, got)) for i in range(tasks)), compute, tasks,
              Progress(quiet=True), tasks)  # fmt: skip
    finally:
        compute.close()
    return got


def test_a_poisoned_prompt_in_a_batch_of_64_is_found_by_halving_and_fails_alone() -> None:
    replica = Replica(poison="t17:r1")
    got = _run(replica, 32, retries=2)
    assert replica.sizes == [64, 32, 16, 8, 4, 2, 1, 1]  # halved down to the prompt alone
    assert replica.restarts == 6 + 2  # log2(64) halvings, then lost alone `retries` times
    failed = got[17]
    assert isinstance(failed, GenerationFailed)
    assert [f.request.key for f in failed.failed] == ["t17:r1"]
    assert "lost 8 times" in failed.failed[0].reason and "2 of them alone" in str(failed)
    assert all(got[i] == [f"echo t{i}:r0", f"echo t{i}:r1"] for i in range(32) if i != 17)


def test_a_call_past_its_deadline_loses_its_replica_and_is_answered_by_the_next() -> None:
    replica = Replica(hang="t3:")
    got = _run(replica, 8, call_timeout_s=0.5)
    assert replica.restarts == 1
    assert all(got[i] == [f"echo t{i}:r0", f"echo t{i}:r1"] for i in range(8))


def test_a_replica_that_hangs_on_every_call_stops_the_run() -> None:
    class Stuck(Replica):
        def _call(self, requests: list[Request]) -> list[Completion]:
            self.release.wait()
            return super()._call(requests)

    replica = Stuck()
    try:
        _run(replica, 4, call_timeout_s=0.05)
    except LaneError as exc:
        assert "lost in a row with none answered" in str(exc)
        assert "no answer within" in str(exc)
    else:
        raise AssertionError("a lane that never answers must stop the run")


def test_assay_run_retry_failed_sets_engine_retry_failed(monkeypatch: Any) -> None:
    from typer.testing import CliRunner

    import assay.flows.runner as runner
    from assay.flows.cli import app
    from assay.flows.runner import Summary

    seen: list[Any] = []
    monkeypatch.setattr(runner, "run_pipeline", lambda cfg: seen.append(cfg) or Summary(
        "completed", {}, 0.0))  # fmt: skip
    for args in (["run"], ["run", "--retry-failed"]):
        assert CliRunner().invoke(app, args).exit_code == 0
    assert [c.engine.retry_failed for c in seen] == [False, True]
    assert seen[0].id == seen[1].id  # the same run, resumed with its failed prompts sent again
