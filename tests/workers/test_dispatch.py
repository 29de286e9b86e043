"""The flow-facing calls without Ray: same results, run in this process."""

from __future__ import annotations

from pathlib import Path

import pytest

from assay.schemas.records import Status
from assay.verifiers.sandbox import Limits
from assay.workers.api import Request, Sampling
from assay.workers.dispatch import GeneratorSpec, run_checks, run_generation


@pytest.fixture(autouse=True)
def _no_ray() -> None:
    import ray

    if ray.is_initialized():
        pytest.skip("Ray is initialised in this process; these tests cover the no-Ray path")


def test_spec_from_a_config_section() -> None:
    from pydantic import BaseModel

    class Section(BaseModel):
        backend: str = "openai"
        model: str = "m"
        options: dict = {"base_url": "http://127.0.0.1:9/v1"}
        num_cpus: float = 0.5
        num_gpus: float = 0

    spec = GeneratorSpec.of(Section())
    assert spec == GeneratorSpec.of(Section().model_dump())
    assert spec.build().model == "m" and spec.key == GeneratorSpec.of(spec).key
    with pytest.raises(ValueError, match="resources must be >= 0"):
        GeneratorSpec(num_gpus=-1)


def test_generation_in_process(smollm2: Path, llama_cpp_installed: None) -> None:
    spec = GeneratorSpec("local", str(smollm2), {"n_ctx": 512, "n_threads": 1})
    request = Request("k", ({"role": "user", "content": "Hi."},), Sampling(n=2, max_tokens=4))
    got = run_generation(spec, [request])
    assert got[0].key == "k" and len(got[0].texts) == 2
    assert run_generation(spec, []) == []


def test_checks_in_process() -> None:
    items = [
        {"id": "a", "code": "def f():\n    return 1\n", "tests": ["assert f() == 1"]},
        {"id": "b", "code": "def f():\n    return 2\n", "tests": ["assert f() == 1"]},
    ]
    verdicts = run_checks("python", items, Limits(wall_s=5, cpu_s=5, memory_mb=512), 2)
    assert [(v.candidate_id, v.status) for v in verdicts] == [
        ("a", Status.PASS),
        ("b", Status.FAIL),
    ]
