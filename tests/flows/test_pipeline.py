"""The code flow end to end on real parts: a real CPU model, real Ray, real Prefect, DuckDB.

One local Ray cluster serves the module; `assay run` subprocesses join it through RAY_ADDRESS,
so the kill-and-resume test pays for Ray's start once.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assay.flows.stop import alive, descendants
from assay.schemas.query import query

TABLES = ("tasks", "candidates", "verdicts", "samples")


def _config(tmp: Path, dataset: Path, **extra: str) -> Path:
    """A small, fast run: the 135M model, three seed tasks, one repair round."""
    text = f"""
name: e2e
dataset: {dataset}
tasks: [{{seed: code, limit: 2}}]
generator: {{backend: local, model: smollm2-135m, options: {{n_ctx: 1024}}}}
solver: {{n: 2, max_tokens: 64, temperature: 0.7}}
tester: {{n: 1, max_tokens: 64}}
repair: {{rounds: 1, n: 1, max_tokens: 64}}
verify: {{limits: {{wall_s: 5, cpu_s: 5, memory_mb: 512}}, pool: 1}}
"""
    path = tmp / f"run-{dataset.name}.yaml"
    path.write_text(text + "".join(f"{k}: {v}\n" for k, v in extra.items()))
    return path


def _env(address: str, home: Path) -> dict[str, str]:
    env = dict(os.environ, RAY_ADDRESS=address, PREFECT_HOME=str(home), PYTHONUNBUFFERED="1")
    env.pop("ASSAY_DATASET", None)
    return env


def _run(config: Path, env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "assay.flows", "run", str(config)],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _rows(dataset: Path) -> dict[str, list[str]]:
    return {
        t: sorted(query(dataset, f"SELECT id FROM {t}").column("id").to_pylist()) for t in TABLES
    }


def _commits(dataset: Path) -> int:
    return len(list((dataset / "commits").iterdir())) if (dataset / "commits").exists() else 0


@pytest.mark.slow
@pytest.mark.timeout(900)  # four runs of the flow, each ending with curation and its report
def test_run_kill_resume_and_rerun(tmp_path: Path, ray_address: str) -> None:
    env = _env(ray_address, tmp_path / "prefect")

    # An uninterrupted run.
    whole = tmp_path / "whole"
    done = _run(_config(tmp_path, whole), env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "samples" in done.stdout and str(whole) in done.stdout
    reference = _rows(whole)
    assert reference["tasks"] and reference["candidates"] and reference["verdicts"]
    counts = query(whole, "SELECT count(*) AS n FROM samples").column("n")[0].as_py()
    assert f"samples     {counts} committed" in done.stdout
    curated = query(whole, "SELECT count(*) AS n FROM curation").column("n")[0].as_py()
    assert curated == counts  # the run ended with a curation pass over its samples

    # The same command again commits nothing and ends fast.
    before = _commits(whole)
    started = time.monotonic()
    again = _run(_config(tmp_path, whole), env)
    assert again.returncode == 0, again.stderr[-3000:]
    assert _commits(whole) == before
    assert time.monotonic() - started < 60

    # A run killed with SIGKILL mid-way, then started again, ends with exactly the same rows.
    killed = tmp_path / "killed"
    proc = subprocess.Popen(
        [sys.executable, "-m", "assay.flows", "run", str(_config(tmp_path, killed))],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 300
    while _commits(killed) < 3 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    assert proc.poll() is None, "the run ended before it could be killed mid-way"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = _commits(killed)
    resumed = _run(_config(tmp_path, killed), env)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert _commits(killed) > partial
    assert _rows(killed) == reference


def test_bad_task_file_exits_nonzero_and_commits_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "tasks.jsonl"
    bad.write_text(
        json.dumps({"name": "x", "prompt": "def f():\n", "entry_point": "f"})
        + "\n"
        + json.dumps({"name": "y", "prompt": "", "entry_point": "g"})
        + "\n"
    )
    dataset = tmp_path / "ds"
    config = tmp_path / "run.yaml"
    config.write_text(f"dataset: {dataset}\ntasks: [{{file: {bad}}}]\n")
    result = _run(config, dict(os.environ))
    assert result.returncode != 0
    assert f"{bad}:2: field prompt" in result.stderr
    assert _commits(dataset) == 0


def test_bad_config_exits_nonzero_naming_the_field(tmp_path: Path) -> None:
    config = tmp_path / "run.yaml"
    config.write_text(f"dataset: {tmp_path / 'ds'}\nsolver: {{n: -1}}\n")
    result = _run(config, dict(os.environ))
    assert result.returncode == 2
    assert str(config) in result.stderr and "field solver.n" in result.stderr
    assert not (tmp_path / "ds").exists()


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


@pytest.mark.slow
def test_sigterm_ends_the_run_and_its_local_servers(tmp_path: Path, ray_address: str) -> None:
    """SIGTERM (a scheduler's or `kill`'s stop) ends `assay run` like Ctrl-C: exit 143, and the
    Prefect API server it started goes with it instead of living on under init."""
    dataset = tmp_path / "terminated"
    proc = subprocess.Popen(
        [sys.executable, "-m", "assay.flows", "run", str(_config(tmp_path, dataset))],
        env=_env(ray_address, tmp_path / "prefect"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 300
        while _commits(dataset) < 1 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
        assert proc.poll() is None, "the run ended before it could be stopped mid-way"
        started = descendants(proc.pid)
        servers = [p for p in started if b"uvicorn" in _cmdline(p)]
        assert servers, "no Prefect API server was found under the run"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=120) == 143
        time.sleep(1)
        assert [p for p in started if alive(p)] == []
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
