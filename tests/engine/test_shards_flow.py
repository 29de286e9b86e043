"""`assay run` with `engine.shards: 2` on a local Ray, as a user runs it: the shards' Ray actors
and the Prefect task per shard commit the rows of a one-shard run, and a sharded run killed with
SIGKILL mid-way and run again ends with the same rows."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_engine_code import _answers, _config, _tables

pytestmark = pytest.mark.slow


def _yaml(tmp: Path, name: str, shards: int) -> Path:
    dataset = tmp / name
    answers = tmp / "answers.jsonl"
    with answers.open("w") as fh:
        for key, texts in _answers(_config(dataset)).items():
            fh.write(json.dumps({"key": key, "texts": texts}) + "\n")
    path = tmp / f"{name}.yaml"
    path.write_text(
        f"name: {name}\ndataset: {dataset}\ntasks: [{{seed: code, limit: 6}}]\n"
        f"generator: {{backend: replay, model: replay, options: {{answers: {answers}, "
        "delay_s: 1.0}, num_cpus: 0, batch_size: 2}\n"
        "solver: {n: 2}\ntester: {n: 1}\nrepair: {rounds: 1, n: 1}\n"
        f"engine: {{shards: {shards}}}\n"
    )
    return path


def _run(config: Path, address: str, tmp: Path) -> subprocess.Popen:
    env = dict(os.environ, RAY_ADDRESS=address, PREFECT_HOME=str(tmp / "prefect"))
    return subprocess.Popen([sys.executable, "-m", "assay.flows", "run", str(config)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)  # fmt: skip


def _commits(dataset: Path) -> int:
    folder = dataset / "commits"
    return len(list(folder.iterdir())) if folder.exists() else 0


@pytest.mark.timeout(900)
def test_two_shards_and_a_killed_sharded_run_commit_the_rows_of_one(
    tmp_path: Path, ray_address: str
) -> None:
    for name, shards in (("one", 1), ("two", 2)):
        proc = _run(_yaml(tmp_path, name, shards), ray_address, tmp_path)
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err[-3000:]
    assert "2 shards" in err
    assert _tables(tmp_path / "two") == _tables(tmp_path / "one")

    killed = _yaml(tmp_path, "killed", 2)
    proc = _run(killed, ray_address, tmp_path)
    deadline = time.monotonic() + 300
    while _commits(tmp_path / "killed") < 5 and time.monotonic() < deadline:
        time.sleep(0.2)  # the tasks and run records, then the shards' first commits
    assert proc.poll() is None, "the run ended before the kill"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()
    again = _run(killed, ray_address, tmp_path)
    _, err = again.communicate(timeout=600)
    assert again.returncode == 0, err[-3000:]
    assert _tables(tmp_path / "killed") == _tables(tmp_path / "one")
