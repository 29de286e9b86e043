"""The vllm backend's wiring, through a fake engine module with vLLM's surface; and, where a GPU
and vllm exist, the real thing."""

from __future__ import annotations

import importlib.util

import fake_vllm_engine
import pytest

from assay.workers.api import Request, Sampling
from assay.workers.registry import build

CHAT = ({"role": "system", "content": "Be brief."}, {"role": "user", "content": "Add 2 and 3."})


def test_generate_batches_requests_with_their_own_sampling() -> None:
    generator = build(
        "vllm", model="org/coder", tensor_parallel_size=2, seed=3,
        engine_module="fake_vllm_engine", gpu_memory_utilization=0.5,
    )  # fmt: skip
    assert generator.num_gpus == 2
    generator.setup()
    engine = fake_vllm_engine.built[-1]
    assert (engine.model, engine.tensor_parallel_size, engine.seed) == ("org/coder", 2, 3)
    assert engine.engine == {"gpu_memory_utilization": 0.5, "distributed_executor_backend": "mp"}
    requests = [
        Request("a", CHAT, Sampling(n=3, temperature=0.2, top_p=0.9, max_tokens=5, seed=7)),
        Request("b", CHAT[1:], Sampling(n=1, max_tokens=8, seed=1, stop=("\n", "END"))),
    ]
    got = generator.generate(requests)
    assert [c.key for c in got] == ["a", "b"] and [len(c.texts) for c in got] == [3, 1]
    assert all(c.model == "org/coder" for c in got)
    ((prompts, params),) = engine.calls  # one batched call for every request
    assert prompts[0] == "<|system|>Be brief.\n<|user|>Add 2 and 3.\n<|assistant|>"
    first = params[0]
    assert (first.n, first.temperature, first.top_p, first.max_tokens, first.seed) == (
        3, 0.2, 0.9, 5, 7,
    )  # fmt: skip
    assert first.stop is None and params[1].stop == ["\n", "END"]
    assert len(got[0].texts[0].split()) == 5 and len(set(got[0].texts)) == 3
    assert generator.generate(requests) == got  # seeded: reproducible


def test_the_engine_sends_vllm_batches_from_many_tasks(tmp_path) -> None:
    """The round engine gives one `LLM.generate` call the prompts of every open task."""
    from assay.flows.config import load_config
    from assay.flows.domains import get
    from assay.flows.engine.compute import Compute
    from assay.flows.engine.rounds import run_programs
    from assay.flows.progress import Progress

    cfg = load_config(None, [f"dataset={tmp_path}", "solver.n=2", "tester.n=1"])
    parts = get("code").flow()
    state = parts.open_state(cfg)
    generator = build("vllm", model="org/coder", engine_module="fake_vllm_engine")
    batch = generator.batch_size
    with Compute.local(generator, "python", state.limits, batch=batch) as compute:
        run_programs(state, parts, compute, Progress(quiet=True))
    engine = fake_vllm_engine.built[-1]
    sizes = [len(prompts) for prompts, _ in engine.calls]
    assert batch >= 256
    assert sizes == [2 * state.count]  # solver and tester prompts of all 14 tasks at once
    assert all(p.n in (1, 2) for _, params in engine.calls for p in params)


def test_a_short_answer_from_the_engine_is_an_error() -> None:
    generator = build("vllm", model="m", engine_module="fake_vllm_engine")
    generator.setup()
    fake_vllm_engine.built[-1]._samples = lambda prompt, sp: []
    with pytest.raises(RuntimeError, match="returned 0 samples for 'k', asked 1"):
        generator.generate([Request("k", CHAT)])


def _gpu_ready() -> bool:
    if importlib.util.find_spec("vllm") is None or importlib.util.find_spec("torch") is None:
        return False
    import torch

    return bool(torch.cuda.is_available())


@pytest.mark.gpu
def test_real_vllm_on_a_gpu() -> None:
    if not _gpu_ready():
        pytest.skip("needs vllm and a GPU")
    generator = build(
        "vllm", model="Qwen/Qwen2.5-Coder-0.5B-Instruct",
        gpu_memory_utilization=0.5, max_model_len=2048,
    )  # fmt: skip
    generator.setup()
    request = Request("k", CHAT, Sampling(n=2, max_tokens=32, seed=1))
    got = generator.generate([request])
    assert len(got[0].texts) == 2 and all(t.strip() for t in got[0].texts)
    assert generator.generate([request]) == got
