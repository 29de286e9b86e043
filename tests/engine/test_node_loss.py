"""A node that dies takes every replica on it at once, and Ray may place a replacement on it
before it sees the node gone: neither counts against the prompts those replicas carried. With
`batch_size: 1` every call is one prompt, so before this was told apart a node's death judged
an honest prompt poison."""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest

from assay.flows.engine.calls import START_TRIES
from assay.flows.engine.lanes import GenerationLane, LaneError
from assay.workers.api import Completion, Request, Sampling
from assay.workers.pools import LostWorker


class Cluster:
    """Replicas on one node at a time. The node dies after `calls` calls, or under a call
    holding a key of `kills` (that many times): every replica on it goes, and the next
    `misplace` replacements are placed on the dead node and fail to start."""

    def __init__(self, calls: int = 10**6, kills: dict[str, int] | None = None, misplace: int = 0):
        self.node, self.left, self.kills, self.misplace = 0, calls, dict(kills or {}), misplace
        self.dead: set[int] = set()

    def die(self) -> None:
        self.dead.add(self.node)
        self.node += 1


class Replica:
    """A Ray-like replica: `ready()` says whether it started; on a dead node nothing answers."""

    def __init__(self, cluster: Cluster, poison: str = "") -> None:
        self.cluster, self.poison = cluster, poison
        self.node = cluster.node
        self.pool = ThreadPoolExecutor(max_workers=1)
        self.restarts = 0

    def _call(self, requests: list[Request]) -> list[Completion]:
        cluster, keys = self.cluster, [r.key for r in requests]
        if self.node in cluster.dead:
            raise LostWorker("planted: its node is gone")
        cluster.left -= 1
        killer = next((k for k in keys if cluster.kills.get(k)), None)
        if cluster.left < 0 or killer:
            if killer:
                cluster.kills[killer] -= 1
            cluster.left = 10**6
            cluster.die()
            raise LostWorker("planted: the node died")
        if self.poison and self.poison in keys:
            raise LostWorker("planted: the replica's process died under this prompt")
        time.sleep(0.01)
        if self.node in cluster.dead:  # it died while this call ran
            raise LostWorker("planted: its node is gone")
        return [Completion(k, (f"echo {k}",), "echo") for k in keys]

    def submit(self, payload: Any) -> Future:
        return self.pool.submit(self._call, list(payload))

    def lost(self, exc: BaseException) -> bool:
        return isinstance(exc, LostWorker)

    def ready(self) -> Future:
        def start() -> None:
            if self.node in self.cluster.dead:
                raise LostWorker("planted: placed on a node that has died")

        return self.pool.submit(start)

    def restart(self) -> None:
        self.restarts += 1
        self.pool.shutdown(wait=False)
        self.pool = ThreadPoolExecutor(max_workers=1)
        cluster = self.cluster
        if cluster.misplace and cluster.dead:  # Ray has not seen the node go yet
            cluster.misplace -= 1
            self.node = max(cluster.dead)
        else:
            self.node = cluster.node

    def close(self) -> None:
        self.pool.shutdown(wait=True)


def _requests(n: int) -> list[Request]:
    return [Request(f"t{i}", ({"role": "user", "content": "x"},), Sampling(n=1)) for i in range(n)]


def _drain(lane: GenerationLane, requests: list[Request]) -> list[Any]:
    got: list[Any] = []
    lane.submit(requests, got.extend)
    from assay.flows.engine.calls import step

    while not got and step([lane], timeout=5):
        pass
    lane.close()
    return got


def test_a_node_that_dies_with_its_replicas_fails_no_prompt() -> None:
    cluster = Cluster(calls=6, misplace=2)
    replicas = [Replica(cluster), Replica(cluster)]
    lane = GenerationLane(replicas, batch_size=1, in_flight=1, retries=2)
    got = _drain(lane, _requests(16))
    assert lane.failed == []
    assert [c.texts[0] for c in got] == [f"echo t{i}" for i in range(16)]
    assert sum(r.restarts for r in replicas) >= 4  # both lost, both first replacements too


def test_a_poisoned_prompt_still_fails_alone_beside_a_healthy_replica() -> None:
    cluster = Cluster()
    replicas = [Replica(cluster, poison="t5"), Replica(cluster, poison="t5")]
    lane = GenerationLane(replicas, batch_size=1, in_flight=1, retries=2)
    got = _drain(lane, _requests(8))
    assert [f.request.key for f in lane.failed] == ["t5"]
    assert "2 of them alone" in lane.failed[0].reason
    assert [c.texts[0] for i, c in enumerate(got) if i != 5] == [
        f"echo t{i}" for i in range(8) if i != 5
    ]


def test_a_node_that_dies_under_a_probe_does_not_count_against_its_prompt() -> None:
    # three node deaths while t3 is in flight, two of them while it is a probe
    cluster = Cluster(kills={"t3": 3})
    replicas = [Replica(cluster), Replica(cluster)]
    lane = GenerationLane(replicas, batch_size=1, in_flight=1, retries=2)
    got = _drain(lane, _requests(8))
    assert lane.failed == []
    assert [c.texts[0] for c in got] == [f"echo t{i}" for i in range(8)]


def test_a_node_ray_is_slow_to_see_dead_stops_nothing() -> None:
    # twelve replacements placed on the dead node before Ray sees it gone: more than the
    # breaker's count, but the cluster's fault, so they wait and start again
    cluster = Cluster(calls=6, misplace=12)
    replicas = [Replica(cluster), Replica(cluster)]
    lane = GenerationLane(replicas, batch_size=1, in_flight=1, retries=2)
    lane.start_backoff_s = 0.01
    got = _drain(lane, _requests(16))
    assert lane.failed == []
    assert [c.texts[0] for c in got] == [f"echo t{i}" for i in range(16)]
    assert sum(r.restarts for r in replicas) >= 14


def test_a_replica_that_never_starts_again_stops_the_run_saying_so() -> None:
    cluster = Cluster(calls=6, misplace=10**6)
    lane = GenerationLane([Replica(cluster), Replica(cluster)], batch_size=1, in_flight=1)
    lane.start_backoff_s = 0.001
    with pytest.raises(LaneError, match=f"failed to start {START_TRIES} times in a row"):
        _drain(lane, _requests(16))


class InitFails(LostWorker):
    """Ray's error for an actor whose constructor raised (`RayActorError.actor_init_failed`)."""

    actor_init_failed = True


class Broken(Replica):
    """A replica whose constructor raises once it is replaced (a bad model path, say)."""

    def ready(self) -> Future:
        def start() -> None:
            raise InitFails("planted: the constructor raised")

        return self.pool.submit(start)


def test_a_replica_whose_constructor_raises_stops_the_run_without_waiting() -> None:
    cluster = Cluster(calls=6)
    lane = GenerationLane([Broken(cluster), Broken(cluster)], batch_size=1, in_flight=1)
    lane.start_backoff_s = 60.0  # never waited on: these failures are the workers' own
    t0 = time.monotonic()
    with pytest.raises(LaneError, match="calls or starts lost in a row"):
        _drain(lane, _requests(16))
    assert time.monotonic() - t0 < 30
