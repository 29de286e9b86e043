"""A code run that labels by agreement, on the replay backend and `Compute.local`: the one
setup the labelling flow tests share, so each test says only its tasks, answers and label
settings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from assay.flows.config import RunConfig, load_config
from assay.flows.domains import get
from assay.flows.engine.compute import Compute
from assay.flows.engine.rounds import run_programs
from assay.flows.progress import Progress
from assay.workers.replay import ReplayGenerator


def fenced(code: str) -> str:
    """A completion as a model writes one: the code in a python fence."""
    return f"```python\n{code}```"


def labelling_config(
    tmp: Path, tasks: list[dict], solvers: int, labels: dict[str, Any], *more: str
) -> RunConfig:
    """A code run over `tasks` (written as an assay task file) with no model-written tests and
    no repair, so every test a sample keeps is a trusted one or an agreed label."""
    path = tmp / "tasks.jsonl"
    path.write_text("".join(json.dumps(t) + "\n" for t in tasks))
    spec = {
        "domain": "code",
        "dataset": str(tmp / "ds"),
        "tasks": [{"file": str(path), "format": "assay"}],
        "generator": {"backend": "replay"},
        "solver": {"n": solvers},
        "tester": {"n": 0, "labels": labels},
        "repair": {"rounds": 0},
        "verify": {"limits": {"wall_s": 5, "cpu_s": 5, "memory_mb": 512}},
    }
    run = tmp / "run.yaml"
    run.write_text(json.dumps(spec))
    return load_config(run, list(more))


def run_replay(config: RunConfig, answers: dict[str, list[str]]) -> ReplayGenerator:
    """Runs the code domain's programs to the end on the replayed `answers` and returns the
    generator, whose `calls` say whether the run asked the model anything."""
    parts = get("code").flow()
    state = parts.open_state(config)
    generator = ReplayGenerator(answers)
    with Compute.local(generator, "python", state.limits, jobs=2) as compute:
        run_programs(state, parts, compute, Progress(quiet=True))
    state.finish()
    return generator
