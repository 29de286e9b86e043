"""A run reads its task files once: the tasks its domain checked are the tasks it runs (a task
file that changes meanwhile cannot slip an unchecked task in), and the state is opened with
them instead of reading the files again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import assay.flows.engine.rounds as rounds
import assay.flows.engine.run as run
import assay.flows.state as state_module
from assay.flows.config import load_config
from assay.flows.domains import get
from assay.flows.engine.compute import Compute
from assay.flows.progress import Progress
from assay.flows.seeds import load_seed_tasks
from assay.flows.sources import load_tasks
from assay.workers.replay import ReplayGenerator

TASK = load_seed_tasks("code")[0]


def test_a_run_loads_its_tasks_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tasks = tmp_path / "tasks.jsonl"
    keys = ("name", "prompt", "entry_point", "reference")
    tasks.write_text(json.dumps({**{k: getattr(TASK, k) for k in keys}, "tests": list(TASK.tests)}))
    config = load_config(None, [f"dataset={tmp_path / 'ds'}", f"tasks=[{{file: {tasks}}}]",
                                "solver.n=1", "tester.n=0", "repair.rounds=0",
                                "store.compact=false", "curate.enabled=false"])  # fmt: skip
    parts = get("code").flow()
    state = parts.open_state(config)
    answers = {f"{t.id}:solver": [f"```python\n{t.reference}\n```"] for t in state.tasks}
    with Compute.local(ReplayGenerator(answers), "python", state.limits) as compute:
        rounds.run_programs(state, parts, compute, Progress(quiet=True))
    state.finish()

    loads: list[str] = []

    def counted(cfg: Any) -> Any:
        loads.append(cfg.id)
        return load_tasks(cfg)

    monkeypatch.setattr(run, "load_tasks", counted)
    monkeypatch.setattr(state_module, "load_tasks", counted)
    counts = run.run_flow.fn(config, quiet=True)  # the rerun: nothing left to do
    assert loads == [config.id]
    assert counts["samples"] == 1

    given = load_tasks(config)
    monkeypatch.setattr(state_module, "load_tasks", lambda cfg: pytest.fail("read again"))
    assert parts.open_state(config, given).tasks is given
