"""Ray actors through the engine's lanes on a real local Ray (one per module: it takes ~15 s
to start on this machine)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from assay.flows.config import load_config
from assay.flows.engine.calls import step
from assay.flows.engine.checks import checked, closing, ray_checks
from assay.flows.engine.lanes import GenerationLane
from assay.flows.engine.startup import wait_ready
from assay.schemas.records import Status
from assay.verifiers.sandbox import Limits, SandboxOptions
from assay.workers.api import Request, Sampling
from assay.workers.pools import RayReplica
from assay.workers.session import ray_session
from assay.workers.spec import GeneratorSpec

pytestmark = pytest.mark.ray
LIMITS = Limits(wall_s=5, cpu_s=5, memory_mb=512)
CODE = "def add(a, b):\n    return a + b\n"


@pytest.fixture(scope="module")
def ray_up() -> Iterator[object]:
    with ray_session(num_cpus=2, object_store_memory=128 * 1024**2) as ray:
        yield ray
    assert not ray.is_initialized()  # the session stopped the Ray it started


@pytest.fixture(scope="module")
def spec(smollm2: Path, llama_cpp_installed: None) -> GeneratorSpec:
    return GeneratorSpec("local", str(smollm2), {"n_ctx": 1024, "n_threads": 1}, num_cpus=1)


def test_an_initialised_ray_is_reused_not_stopped(ray_up) -> None:
    with ray_session("ray://nowhere:1") as again:
        assert again is ray_up and again.is_initialized()
    assert ray_up.is_initialized()


def test_generation_runs_in_one_replica_actor_and_matches_in_process(ray_up, spec) -> None:
    requests = [Request(f"r{i}", ({"role": "user", "content": f"Say {i}."},),
                        Sampling(n=2, max_tokens=8, seed=i)) for i in range(2)]  # fmt: skip
    replica = RayReplica(spec, "generator replica 0")
    lane = GenerationLane([replica], batch_size=1, in_flight=1)
    remote: list = []
    try:
        wait_ready([replica], 120)
        for request in requests:  # two operations, two calls, one actor (the model loads once)
            lane.submit([request], remote.extend)
        while step([lane]):
            pass
        assert lane.calls == 2 and replica.starts == 1
        assert ray_up.get(replica.handle.model.remote()) == spec.model
    finally:
        lane.close()
    assert [c.key for c in remote] == ["r0", "r1"] and all(len(c.texts) == 2 for c in remote)
    local = spec.build()
    local.setup()
    assert local.generate(requests[:1]) == remote[:1]  # same seeds, same texts, any process


def test_checks_fan_out_over_the_pool_in_order(ray_up) -> None:
    items = [
        {"id": "good", "code": CODE, "tests": ["assert add(1, 2) == 3"]},
        {"id": "wrong", "code": CODE.replace("+", "-"), "tests": ["assert add(1, 2) == 3"]},
        {"id": "crash", "code": "raise SystemExit(3)", "tests": ["assert add(1, 2) == 3"]},
        {"id": "hang", "code": "while True: pass", "tests": ["assert add(1, 2) == 3"]},
    ] + [
        {"id": f"ok{i}", "code": CODE, "tests": [f"assert add({i}, 1) == {i + 1}"]}
        for i in range(6)
    ]  # fmt: skip
    limits = Limits(wall_s=2, cpu_s=2, memory_mb=512)
    config = load_config(None, ["verify.pool=2"])
    with closing(ray_checks(config, limits, SandboxOptions())) as lane:
        verdicts = list(checked(lane, "python", None, items))
        assert len({w.handle._actor_id for w in lane.workers}) == 2  # type: ignore[attr-defined]
    assert [v.candidate_id for v in verdicts] == [i["id"] for i in items]
    status = {v.candidate_id: v.status for v in verdicts}
    assert status["good"] is Status.PASS and status["wrong"] is Status.FAIL
    assert status["crash"] is Status.ERROR and status["hang"] is Status.TIMEOUT
    assert all(status[f"ok{i}"] is Status.PASS for i in range(6))
    assert all(v.isolation for v in verdicts)


def test_closing_the_lane_stops_its_actors(ray_up) -> None:
    items = [{"id": "a", "code": CODE, "tests": ["assert add(1, 1) == 2"]}]
    config = load_config(None, ["verify.pool=1"])
    with closing(ray_checks(config, LIMITS, SandboxOptions())) as lane:
        assert next(checked(lane, "python", None, items)).passed
        (worker,) = lane.workers
    deadline = time.monotonic() + 30  # ray.kill is asynchronous
    while time.monotonic() < deadline:
        if worker._actor().get("State") == "DEAD":  # type: ignore[attr-defined]
            return
        time.sleep(0.2)
    pytest.fail("the closed lane's verifier actor is still alive")
