"""A run compacts its dataset when it ends (`store.compact`): the small commit folders become a
few large files, every table reads the same, and a resumed run still finds its commits."""

from __future__ import annotations

from pathlib import Path

from assay.flows.config import RunConfig, load_config
from assay.flows.domains import get
from assay.flows.engine.compute import Compute
from assay.flows.engine.finish import Finished, compact
from assay.flows.engine.rounds import pending, run_programs
from assay.flows.progress import Progress
from assay.flows.sources import load_tasks
from assay.schemas.query import query
from assay.schemas.snapshot import snapshot
from assay.workers.replay import ReplayGenerator

TABLES = ("tasks", "candidates", "verdict_history", "samples")


def _config(dataset: Path, *more: str) -> RunConfig:
    overrides = [f"dataset={dataset}", "tasks=[{seed: code, limit: 4}]", "solver.n=2",
                 "tester.n=1", "repair.rounds=0", "engine.window=1", *more]  # fmt: skip
    return load_config(None, overrides)


def _run(config: RunConfig) -> None:
    answers = {}
    for t in load_tasks(config):
        answers[f"{t.id}:solver"] = [f"```python\n{t.reference}\n```", "```python\nx = 1\n```"]
        answers[f"{t.id}:tester"] = ["```python\n" + "\n".join(t.tests[:2]) + "\n```"]
    parts = get("code").flow()
    state = parts.open_state(config)
    with Compute.local(ReplayGenerator(answers), "python", state.limits, jobs=2) as compute:
        run_programs(state, parts, compute, Progress(quiet=True))
    state.finish()


def _tables(dataset: Path) -> dict[str, list]:
    return {t: query(dataset, f"SELECT * FROM {t} ORDER BY id").to_pylist() for t in TABLES}


def test_a_finished_run_compacts_and_reads_the_same(tmp_path: Path) -> None:
    config = _config(tmp_path / "ds", "store.compact_min_folders=2")
    _run(config)
    before, folders = _tables(config.dataset), len(snapshot(config.dataset / "commits").folders)
    assert folders >= 4  # one task open at a time: its stages land in folders of their own

    compact(config, Finished())
    assert len(snapshot(config.dataset / "commits").folders) < folders
    assert _tables(config.dataset) == before
    parts = get("code").flow()
    assert not pending(parts.open_state(config), parts)  # the commits are still known


def test_too_few_folders_are_left_alone(tmp_path: Path) -> None:
    config = _config(tmp_path / "ds", "store.compact_min_folders=1000")
    _run(config)
    folders = snapshot(config.dataset / "commits").folders
    compact(config, Finished())
    assert snapshot(config.dataset / "commits").folders == folders
