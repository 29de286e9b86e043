"""A run shows generation under way between task completions: prompts answered and tokens per
second appear on the progress line before any task has finished."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from assay.flows.config import load_config
from assay.flows.domains import get
from assay.flows.engine.compute import Compute
from assay.flows.engine.rounds import run_programs
from assay.flows.progress import Generation, Progress
from assay.flows.seeds import load_seed_tasks
from assay.workers.api import Completion, Request

TASKS = load_seed_tasks("code")[:3]


class SlowModel:
    """A planted generator: each call takes a while, answers with the reference and says how
    many tokens it wrote, as the local backend does."""

    name = "planted"
    model = "planted"

    def __init__(self, answers: dict[str, str]) -> None:
        self.answers = answers

    def setup(self) -> None:
        pass

    def generate(self, requests: list[Request]) -> list[Completion]:
        time.sleep(0.05)
        out = []
        for r in requests:
            text = f"```python\n{self.answers[r.key.split(':')[0]]}\n```"
            out.append(Completion(r.key, (text,) * r.sampling.n, "planted", tokens=7))
        return out


def test_generation_progress_shows_before_any_task_finishes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "tasks.jsonl"
    keys = ("name", "prompt", "entry_point", "reference")
    source.write_text("".join(
        json.dumps({**{k: getattr(t, k) for k in keys}, "tests": list(t.tests)}) + "\n"
        for t in TASKS
    ))  # fmt: skip
    path = tmp_path / "run.yaml"
    path.write_text(
        f"dataset: {tmp_path / 'ds'}\ntasks: [{{file: {source}}}]\nsolver: {{n: 1}}\n"
        "tester: {n: 0}\nrepair: {rounds: 0}\nstore: {compact: false}\n"
    )
    config = load_config(path)
    parts = get("code").flow()
    state = parts.open_state(config)
    model = SlowModel({t.id: t.reference for t in state.tasks})
    with Compute.local(model, "python", state.limits, batch=1) as compute:
        run_programs(state, parts, compute, Progress(status_every_s=0))
    state.finish()
    lines = capsys.readouterr().err.splitlines()
    first_done = next(i for i, line in enumerate(lines) if line.startswith("[tasks] 1/3"))
    before = lines[:first_done]
    assert any("[tasks] 0/3" in line and "prompts 0/3 answered" in line for line in before)
    answered = [line for line in before if "prompts 1/3 answered" in line]
    assert answered and "tokens/s" in answered[0], lines
    assert "prompts 3/3 answered" in lines[-1]  # the last task's line carries the total


def test_answers_that_are_not_completions_count_as_none() -> None:
    counts = Generation()
    assert counts.line() == ""
    counts.submitted(4)
    counts.returned(RuntimeError("no replica survived"))
    counts.returned([Completion("a", ("x",), "m"), Completion("b", ("y",), "m")])
    assert counts.line() == "prompts 2/4 answered"  # no tokens reported: no rate


def test_the_local_backend_says_how_many_tokens_it_wrote() -> None:
    """The real 135M model through llama.cpp: the count the progress line's rate comes from."""
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed (uv sync)")
    from assay.workers.api import Sampling
    from assay.workers.models import ModelNotFound, resolve
    from assay.workers.registry import build

    try:
        model = resolve("smollm2-135m")
    except ModelNotFound as exc:
        pytest.skip(f"smollm2 model not installed: {exc}")
    local = build("local", model=str(model), n_ctx=512, n_threads=1)
    messages = ({"role": "user", "content": "Count to twenty."},)
    sampling = Sampling(n=2, temperature=0.0, max_tokens=6)
    (done,) = local.generate([Request("k", messages, sampling)])
    assert all(done.texts) and 2 <= done.tokens <= 2 * sampling.max_tokens
