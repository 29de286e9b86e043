"""Generator replicas and verifier workers on threads of this process, through the engine's
lanes (what `assay verify`, tests and runs without Ray use): same results as on Ray."""

from __future__ import annotations

from pathlib import Path

import pytest

from assay.flows.config import load_config
from assay.flows.engine.checks import checked, checks_here, closing, thread_checks, verifier_share
from assay.flows.engine.compute import Compute
from assay.flows.engine.steps import Generate
from assay.schemas.records import Status
from assay.verifiers.registry import UnknownVerifier
from assay.verifiers.sandbox import Limits
from assay.workers.api import Request, Sampling
from assay.workers.spec import GeneratorSpec

LIMITS = Limits(wall_s=5, cpu_s=5, memory_mb=512)


def test_spec_from_a_config_section() -> None:
    from pydantic import BaseModel

    class Section(BaseModel):
        backend: str = "openai"
        model: str = "m"
        options: dict = {"base_url": "http://127.0.0.1:9/v1"}
        num_cpus: float = 0.5
        num_gpus: float = 0

    spec = GeneratorSpec.of(Section())
    assert spec == GeneratorSpec.of(Section().model_dump()) == GeneratorSpec.of(spec)
    assert spec.build().model == "m"
    assert spec.needs() == {"CPU": 0.5, "GPU": 0.0}
    with pytest.raises(ValueError, match="resources must be >= 0"):
        GeneratorSpec(num_gpus=-1)
    run = load_config(None, ["generator.replicas=3", "generator.resources={accel: 2}"])
    replica = GeneratorSpec.of(run.generator)  # the engine settings are not the replica's
    assert replica.needs()["accel"] == 2 and replica.backend == run.generator.backend


def test_verifier_share_is_what_the_replicas_leave_free() -> None:
    assert verifier_share(16, 0, 4) == 1.0  # at most a core each
    assert verifier_share(4, 1, 4) == 0.75
    assert verifier_share(2, 2, 2) == 0.01  # never zero: an idle replica may hold the rest


def test_generation_in_process(smollm2: Path, llama_cpp_installed: None) -> None:
    spec = GeneratorSpec("local", str(smollm2), {"n_ctx": 512, "n_threads": 1})
    request = Request("k", ({"role": "user", "content": "Hi."},), Sampling(n=2, max_tokens=4))
    got: list = []
    with Compute.local(spec.build(), "python", LIMITS) as compute:
        compute.submit(Generate([request]), got.append)
        while compute.step():
            pass
        compute.submit(Generate([]), got.append)  # answered at once, nothing sent
        assert compute.generation.calls == 1
    (completion,) = got[0]
    assert completion.key == "k" and len(completion.texts) == 2
    assert got[1] == []


def test_checks_in_process() -> None:
    items = [
        {"id": "a", "code": "def f():\n    return 1\n", "tests": ["assert f() == 1"]},
        {"id": "b", "code": "def f():\n    return 2\n", "tests": ["assert f() == 1"]},
    ]
    verdicts = checks_here("python", items, LIMITS, jobs=2)
    assert [(v.candidate_id, v.status) for v in verdicts] == [
        ("a", Status.PASS),
        ("b", Status.FAIL),
    ]


def test_bad_inputs_fail_before_anything_runs() -> None:
    good = {"id": 1, "code": "", "tests": ["assert 1"]}
    with closing(thread_checks(LIMITS)) as lane:
        with pytest.raises(ValueError, match="item 1 is not a valid python input"):
            list(checked(lane, "python", None, [good, {"id": 2}]))
        with pytest.raises(UnknownVerifier, match="valid names"):
            list(checked(lane, "cobol", None, []))
        assert lane.checks == 0 and not lane.futures()
