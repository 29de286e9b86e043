"""A run reads its task files once: the tasks its domain checked are the tasks it runs (a task
file that changes meanwhile cannot slip an unchecked task in), and the state is opened with
them instead of reading the files again. `assay run` checks them before taking the run's lock
and hands them to the flow (an importer's parse, e.g. HumanEval's AST split of each task's
tests, is the costliest thing a run's driver does per task); Prefect records their count
alone."""

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
from assay.flows.sources import Loaded, stream_tasks
from assay.flows.tasks import Tasks
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
    reads: list[int] = []

    def counted(cfg: Any, check: Any = None) -> Tasks:
        loads.append(cfg.id)
        stream = stream_tasks(cfg, check)
        return Tasks(lambda: reads.append(1) or stream._read(), cfg.engine.tasks_in_memory)

    monkeypatch.setattr(run, "stream_tasks", counted)
    monkeypatch.setattr(state_module, "stream_tasks", counted)
    counts = run.run_flow.fn(config, quiet=True)  # the rerun: nothing left to do
    assert loads == [config.id] and reads == [1]  # one stream, read once: few tasks are held
    assert counts["samples"] == 1 and counts["tasks"] == 1

    given = stream_tasks(config)
    assert len(list(given)) == 1
    monkeypatch.setattr(state_module, "stream_tasks", lambda cfg: pytest.fail("read again"))
    assert [t.id for t in parts.open_state(config, given).tasks] == [t.id for t in given]


def _humaneval_file(path: Path, n: int) -> Path:
    with path.open("w") as fh:
        for k in range(n):
            fh.write(json.dumps({
                "task_id": f"T/{k}", "prompt": f"def f{k}(x):\n    '''x plus {k}'''\n",
                "canonical_solution": f"    return x + {k}\n", "entry_point": f"f{k}",
                "test": f"def check(candidate):\n    assert candidate(1) == {k + 1}\n",
            }) + "\n")  # fmt: skip
    return path


def test_assay_run_parses_its_tasks_once_and_hands_them_to_the_flow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import assay.flows.domains.code.importers as importers
    import assay.flows.ops.ephemeral as ephemeral
    import assay.flows.ops.sweeper as sweeper
    import assay.flows.runner as runner

    source = _humaneval_file(tmp_path / "he.jsonl", 3)
    cfg = load_config(None, [f"dataset={tmp_path / 'ds'}",
                             f"tasks=[{{file: {source}, format: humaneval}}]"])  # fmt: skip
    splits: list[str] = []
    real_split = importers.split_check

    def split(test: str, entry: str) -> tuple[list[str], str]:
        splits.append(entry)
        return real_split(test, entry)

    monkeypatch.setattr(importers, "split_check", split)
    monkeypatch.setattr(ephemeral, "temporary_api", lambda: None)
    monkeypatch.setattr(sweeper, "start_sweeper", lambda: None)
    seen: dict[str, Any] = {}

    def flow(config: Any, quiet: bool = False, loaded: Loaded | None = None) -> dict[str, Any]:
        from assay.flows.engine.run import run_flow

        seen["loaded"] = loaded
        # what Prefect validates and records of the call's parameters
        seen["valid"] = run_flow.validate_parameters({"config": config, "loaded": loaded})
        seen["recorded"] = run_flow.serialize_parameters({"loaded": loaded})
        return {"state": "completed"}

    monkeypatch.setattr(runner, "flow_for", lambda config: flow)
    assert runner.run_pipeline(cfg, quiet=True).state == "completed"
    assert splits == ["f0", "f1", "f2"]  # each task's tests split once in the whole run
    loaded = seen["loaded"]
    assert [t.name for t in loaded.tasks] == ["T/0", "T/1", "T/2"]
    assert seen["valid"]["loaded"].tasks is loaded.tasks  # the flow gets them, not a copy
    assert loaded.tasks.held  # three tasks: the flow replays the list the check read
    assert seen["recorded"] == {"loaded": {"count": 3}}  # Prefect's database: the count alone
