"""`assay serve` on a machine with no Prefect API: assay starts its own server (with a
scheduler), a scheduled run completes, runs due while it works are cancelled rather than piled
up, and stopping `assay serve` stops the server it started."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from proctree import stop_group

from assay.flows.ops.server import healthy
from assay.flows.stop import alive
from assay.schemas.query import query

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _slow_config(tmp: Path) -> Path:
    """One task whose generation takes 30 s: longer than the schedule's interval."""
    path = tmp / "slow.yaml"
    path.write_text(
        f"name: nightly\ndataset: {tmp / 'ds'}\ntasks: [{{seed: code, limit: 1}}]\n"
        "generator: {backend: replay, model: replay, options: {delay_s: 30}}\n"
        "solver: {n: 1}\ntester: {n: 0}\nrepair: {rounds: 0}\nverify: {pool: 1}\n"
    )
    return path


def _runs(url: str, name: str) -> list[dict]:
    import httpx

    deployments = httpx.post(f"{url}/deployments/filter", json={}, timeout=10).json()
    ids = [d["id"] for d in deployments if d["name"] == name]
    body = {"deployments": {"id": {"any_": ids}}}
    return httpx.post(f"{url}/flow_runs/filter", json=body, timeout=10).json() if ids else []


def test_serve_starts_a_server_runs_on_schedule_and_never_overlaps(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(XDG_DATA_HOME=str(tmp_path / "xdg"), PREFECT_HOME=str(tmp_path / "client"))
    state_file = tmp_path / "xdg" / "assay" / "prefect" / "server.json"
    url = f"http://127.0.0.1:{port}/api"
    serve = subprocess.Popen(
        [sys.executable, "-m", "assay.flows", "serve", str(_slow_config(tmp_path)),
         "--interval", "10", "--name", "every-10s", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    started = time.monotonic()
    try:
        states: list[str] = []
        most_running = 0
        while time.monotonic() - started < 420:
            if serve.poll() is not None:
                pytest.fail("assay serve exited: " + serve.stderr.read().decode()[-3000:])
            if healthy(url):
                runs = _runs(url, "every-10s")
                states = [r["state_type"] for r in runs]
                most_running = max(most_running, states.count("RUNNING"))
                if "COMPLETED" in states and "CANCELLED" in states:
                    break
                if "FAILED" in states or "CRASHED" in states:
                    break
            time.sleep(2)
        print(f"scheduled run completed after {time.monotonic() - started:.0f}s: {states}")
        assert "COMPLETED" in states and "CANCELLED" in states, states
        assert most_running == 1  # runs due while one worked were cancelled, not started
        assert query(tmp_path / "ds", "SELECT count(*) AS n FROM runs").column("n")[0].as_py() == 1
        server_pid = json.loads(state_file.read_text())["pid"]
        assert alive(server_pid)
    finally:
        stop_group(serve, grace_s=60)
    deadline = time.monotonic() + 30
    while alive(server_pid) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not alive(server_pid), "assay serve left the server it started running"
    assert not state_file.exists()
