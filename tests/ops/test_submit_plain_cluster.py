"""`assay submit` to a Ray head started from a Python that has Ray only (no assay), with Ray's
default token auth and no RAY_AUTH_MODE set here: the job carries assay's locked environment
(the checkout plus `uv run`), runs, and is listed by `assay status --address`."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import ray

from assay.schemas.query import query

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("RAY_", "VIRTUAL_ENV", "UV_"))}  # fmt: skip


@pytest.fixture(scope="module")
def plain_head() -> Iterator[str]:
    """A head from a fresh venv with only `ray[default]` at assay's version (uv's cache)."""
    if shutil.which("uv") is None:
        pytest.skip("needs uv to build a Ray-only virtualenv")
    home = Path(tempfile.mkdtemp(prefix="rayh", dir="/tmp"))  # Ray's socket paths must be short
    venv = home / "venv"
    made = subprocess.run(["uv", "venv", "-q", "--python", sys.executable, str(venv)],
                          capture_output=True, text=True, env=_env())  # fmt: skip
    pip = subprocess.run(
        ["uv", "pip", "install", "-q", "--python", str(venv / "bin" / "python"),
         f"ray[default]=={ray.__version__}"],
        capture_output=True, text=True, env=_env(),
    )  # fmt: skip
    if made.returncode or pip.returncode:
        shutil.rmtree(home, ignore_errors=True)
        pytest.skip(f"cannot build a Ray-only virtualenv: {(made.stderr + pip.stderr)[-500:]}")
    lacks = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import assay"], capture_output=True
    )
    assert lacks.returncode != 0  # the cluster's Python really has no assay
    dashboard = _free_port()
    head = subprocess.Popen(
        [str(venv / "bin" / "ray"), "start", "--head", "--block", "--num-cpus", "2",
         "--port", str(_free_port()), "--dashboard-host", "127.0.0.1",
         "--dashboard-port", str(dashboard), "--temp-dir", str(home / "t")],
        # This head descends from the `uv run` that started pytest, and Ray would start its
        # own workers under that `uv run` too; a head started by hand does not.
        env={**_env(), "PATH": f"{venv / 'bin'}:{os.environ['PATH']}",
             "RAY_ENABLE_UV_RUN_RUNTIME_ENV": "0"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    address = f"http://127.0.0.1:{dashboard}"
    try:
        import httpx

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{address}/api/version", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(1)
        else:
            pytest.fail("the Ray head did not start within 120 s")
        yield address
    finally:
        os.killpg(head.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            head.wait(timeout=30)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(head.pid, signal.SIGKILL)
        head.wait()
        shutil.rmtree(home, ignore_errors=True)


def _assay(*args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    env = {**_env(), "COLUMNS": "250"}  # the job table whole, not cut to 80 columns
    return subprocess.run([sys.executable, "-m", "assay.flows", *args], capture_output=True,
                          text=True, timeout=timeout, env=env)  # fmt: skip


def test_a_job_carries_assay_to_a_head_without_it(tmp_path: Path, plain_head: str) -> None:
    config = tmp_path / "replay.yaml"
    config.write_text(
        f"name: plain\ndataset: {tmp_path / 'ds'}\ntasks: [{{seed: code, limit: 2}}]\n"
        "generator: {backend: replay, model: replay}\n"
        "solver: {n: 1}\ntester: {n: 0}\nrepair: {rounds: 0}\nverify: {pool: 1}\n"
    )
    started = time.monotonic()
    submitted = _assay("submit", str(config), "--address", plain_head, "--no-wait")
    assert submitted.returncode == 0, submitted.stderr[-3000:]
    job_id = submitted.stdout.strip()
    assert job_id.startswith("assay-plain-")

    followed = _assay("submit", str(config), "--address", plain_head)
    assert followed.returncode == 0, followed.stdout[-3000:] + followed.stderr[-3000:]
    assert f"job {job_id} is already running this run; following it" in followed.stderr
    assert f"job {job_id}: SUCCEEDED" in followed.stderr
    print(f"job submitted and finished in {time.monotonic() - started:.0f}s")

    runs = query(tmp_path / "ds", "SELECT state, tasks FROM runs").to_pylist()
    assert runs == [{"state": "completed", "tasks": 2}]
    listed = _assay("status", "--address", plain_head)
    assert listed.returncode == 0, listed.stderr[-2000:]
    assert job_id in listed.stdout and "SUCCEEDED" in listed.stdout
