"""`assay run` end to end on the small real model (SmolLM2-135M), for each domain's slow test."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from assay.flows.dataset import query


def run_small_model(
    tmp_path: Path, body: str, n_ctx: int = 1024
) -> tuple[subprocess.CompletedProcess[str], Path]:
    """Write a config (`body` plus the dataset and the local SmolLM2 generator), run it as a
    subprocess with its own Prefect home, assert it succeeded; skip if the model is missing."""
    from assay.workers.models import ModelNotFound, resolve

    try:
        resolve("smollm2-135m")
    except ModelNotFound as exc:
        pytest.skip(f"smollm2 model not installed: {exc}")
    dataset = tmp_path / "ds"
    config = tmp_path / "run.yaml"
    generator = f"{{backend: local, model: smollm2-135m, options: {{n_ctx: {n_ctx}}}}}"
    config.write_text(f"dataset: {dataset}\ngenerator: {generator}\n{body}")
    done = rerun_small_model(tmp_path, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return done, dataset


def rerun_small_model(tmp_path: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """The same `assay run` again (same config and Prefect home)."""
    env = dict(os.environ, PREFECT_HOME=str(tmp_path / "prefect"), PYTHONUNBUFFERED="1")
    cmd = [sys.executable, "-m", "assay.flows", "run", str(tmp_path / "run.yaml")]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)


def judged_once(dataset: Path, view: str, *roles: str) -> list[dict]:
    """The rows of `view` (one per verdict), after asserting that every candidate of `roles`
    extracted from the model's output has exactly one."""
    rows = query(dataset, f"SELECT * FROM {view}").to_pylist()
    listed = ", ".join(f"'{r}'" for r in roles)
    cands = query(dataset, f"SELECT id FROM candidates WHERE role IN ({listed})").to_pylist()
    assert len(rows) == len(cands)
    return rows


def rates_agree(dataset: Path, rates: str, count: str, judged: list[dict]) -> None:
    """Each task's row of the view `rates` counts (column `count`) and passes what `judged`
    holds for that task among the decided."""
    for row in query(dataset, f"SELECT * FROM {rates}").to_pylist():
        mine = [j for j in judged if j["task_id"] == row["task_id"] and j["decided"]]
        assert row[count] == len(mine)
        assert row["passed"] == sum(j["passed"] for j in mine)


def rerun_commits_nothing(tmp_path: Path, dataset: Path) -> None:
    """The same `assay run` again succeeds and commits nothing new."""
    before = sorted(p.name for p in (dataset / "commits").iterdir())
    again = rerun_small_model(tmp_path)
    assert again.returncode == 0, again.stderr[-3000:]
    assert sorted(p.name for p in (dataset / "commits").iterdir()) == before
