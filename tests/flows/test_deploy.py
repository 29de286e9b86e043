"""`assay submit --env cluster` against a real local Ray head that has assay, and `assay serve`
against a Prefect server named by PREFECT_API_URL (tests/ops has the plain-cluster and
assay-started-server cases)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from assay.schemas.query import query

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tiny_config(tmp: Path, dataset: Path) -> Path:
    path = tmp / "tiny.yaml"
    path.write_text(
        f"name: tiny\ndataset: {dataset}\ntasks: [{{seed: code, limit: 1}}]\n"
        "generator: {backend: local, model: smollm2-135m, options: {n_ctx: 512}}\n"
        "solver: {n: 1, max_tokens: 48}\ntester: {n: 0}\nrepair: {rounds: 0}\n"
        "verify: {pool: 1}\n"
    )
    return path


@pytest.fixture()
def ray_head() -> Iterator[str]:
    import ray

    port = _free_port()
    ray.init(
        address="local",
        num_cpus=2,
        include_dashboard=True,
        dashboard_host="127.0.0.1",
        dashboard_port=port,
        log_to_driver=False,
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        ray.shutdown()


def _assay(*args: str, env: dict[str, str] | None = None, timeout: float = 600):
    return subprocess.run(
        [sys.executable, "-m", "assay.flows", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def test_submit_to_a_cluster_with_assay_runs_the_job_and_a_rerun_commits_nothing(
    tmp_path: Path, ray_head: str
) -> None:
    dataset = tmp_path / "ds"
    config = _tiny_config(tmp_path, dataset)
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    args = ("submit", str(config), "--address", ray_head, "--env", "cluster")
    first = _assay(*args, env=env)
    assert first.returncode == 0, first.stderr[-3000:]
    assert "SUCCEEDED" in first.stderr
    job_id = first.stderr.split("submitted job ", 1)[1].split()[0]
    runs = query(dataset, "SELECT state, candidates FROM runs").to_pylist()
    assert runs and runs[0]["state"] == "completed"

    again = _assay(*args, env=env)  # the first job ended: this is its next attempt
    assert again.returncode == 0, again.stderr[-3000:]
    assert f"submitted job {job_id}-2" in again.stderr
    assert query(dataset, "SELECT state, candidates FROM runs").to_pylist() == runs

    from ray.job_submission import JobSubmissionClient

    jobs = [j for j in JobSubmissionClient(ray_head).list_jobs() if j.submission_id == job_id]
    assert len(jobs) == 1


@pytest.fixture()
def prefect_api(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    port = _free_port()
    env = dict(
        os.environ, PREFECT_HOME=str(tmp_path / "prefect"), PREFECT_SERVER_ANALYTICS_ENABLED="false"
    )
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "prefect",
            "server",
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/api"
    try:
        import httpx

        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(1)
        else:
            pytest.fail("the local Prefect server did not start within 90 s")
        yield url, {**env, "PREFECT_API_URL": url}
    finally:
        os.killpg(server.pid, 9)
        server.wait()


def _flow_runs(url: str, name: str) -> list[dict]:
    import httpx

    deployments = httpx.post(f"{url}/deployments/filter", json={}, timeout=10).json()
    ids = [d["id"] for d in deployments if d["name"] == name]
    if not ids:
        return []
    body = {"deployments": {"id": {"any_": ids}}}
    return httpx.post(f"{url}/flow_runs/filter", json=body, timeout=10).json()


def test_serve_creates_scheduled_runs_and_runs_one(
    tmp_path: Path, prefect_api: tuple[str, dict[str, str]]
) -> None:
    url, env = prefect_api
    dataset = tmp_path / "ds"
    config = _tiny_config(tmp_path, dataset)
    serve = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "assay.flows",
            "serve",
            str(config),
            "--cron",
            "* * * * *",
            "--name",
            "every-minute",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 240
        states: list[str] = []
        while time.monotonic() < deadline:
            runs = _flow_runs(url, "every-minute")
            states = [r["state_type"] for r in runs]
            if "COMPLETED" in states or "FAILED" in states:
                break
            if serve.poll() is not None:
                pytest.fail("assay serve exited: " + serve.stderr.read().decode()[-3000:])
            time.sleep(3)
        failed = [r.get("state", {}).get("message") for r in runs if r["state_type"] == "FAILED"]
        assert "COMPLETED" in states, f"no scheduled run completed: {set(states)} {failed[:1]}"
        assert len(runs) >= 2  # the scheduler keeps future runs queued too
        assert query(dataset, "SELECT count(*) AS n FROM runs").column("n")[0].as_py() == 1
    finally:
        os.killpg(serve.pid, 9)
        serve.wait()
