"""Ray actors on a real local Ray (one per module: it takes ~15 s to start on this machine)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from assay.schemas.records import Status
from assay.verifiers.registry import UnknownVerifier
from assay.verifiers.sandbox import Limits
from assay.workers.api import Request, Sampling
from assay.workers.dispatch import GeneratorSpec, generator_actor, run_checks, run_generation
from assay.workers.session import ray_session

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


def test_generation_runs_in_a_reused_actor_and_matches_in_process(ray_up, spec) -> None:
    requests = [Request(f"r{i}", ({"role": "user", "content": f"Say {i}."},),
                        Sampling(n=2, max_tokens=8, seed=i)) for i in range(2)]  # fmt: skip
    remote = run_generation(spec, requests)
    assert [c.key for c in remote] == ["r0", "r1"] and all(len(c.texts) == 2 for c in remote)
    assert generator_actor(spec)._actor_id == generator_actor(spec)._actor_id
    local = spec.build()
    local.setup()
    assert local.generate(requests[:1]) == remote[:1]  # same seeds, same texts, any process


def test_generator_actor_built_by_name(ray_up, spec) -> None:
    from assay.workers.actors import GeneratorActor

    actor = GeneratorActor.options(num_cpus=0).remote(spec.backend, spec.model, spec.options)
    assert ray_up.get(actor.model.remote()) == spec.model
    ray_up.kill(actor)


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
    verdicts = run_checks("python", items, limits, pool_size=2)
    assert [v.candidate_id for v in verdicts] == [i["id"] for i in items]
    status = {v.candidate_id: v.status for v in verdicts}
    assert status["good"] is Status.PASS and status["wrong"] is Status.FAIL
    assert status["crash"] is Status.ERROR and status["hang"] is Status.TIMEOUT
    assert all(status[f"ok{i}"] is Status.PASS for i in range(6))
    pool = [ray_up.get_actor(f"assay-verifier-{i}") for i in range(2)]  # kept alive for reuse
    assert len({a._actor_id for a in pool}) == 2
    assert all(v.isolation for v in verdicts)


def test_bad_inputs_fail_before_anything_runs(ray_up) -> None:
    with pytest.raises(ValueError, match="item 1 is not a valid python input"):
        run_checks("python", [{"id": 1, "code": "", "tests": ["assert 1"]}, {"id": 2}], LIMITS)
    with pytest.raises(UnknownVerifier, match="valid names"):
        run_checks("cobol", [], LIMITS)


def test_release_stops_the_kept_actors(ray_up) -> None:
    from assay.workers.dispatch import release

    items = [{"id": "a", "code": CODE, "tests": ["assert add(1, 1) == 2"]}]
    assert run_checks("python", items, LIMITS, pool_size=1)[0].passed
    ray_up.get_actor("assay-verifier-0")
    release()
    deadline = time.monotonic() + 30  # ray.kill is asynchronous
    while time.monotonic() < deadline:
        try:
            ray_up.get_actor("assay-verifier-0")
        except ValueError:
            return
        time.sleep(0.2)
    pytest.fail("the released verifier actor is still registered")
