"""Two processes on one run id: the second exits naming the holder, or waits for it; the lock
frees itself when its holder dies, however it dies."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assay.flows.config import load_config
from assay.flows.ops.lock import RunBusy, lock_path, run_lock
from assay.flows.runner import run_pipeline

HOLD = """
import sys, time
from pathlib import Path
from assay.flows.ops.lock import run_lock
with run_lock(Path(sys.argv[1]), sys.argv[2]):
    print("held", flush=True)
    time.sleep(float(sys.argv[3]))
"""


def _holder(dataset: Path, run_id: str, seconds: float = 60) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(dataset), run_id, str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_process_is_refused_naming_the_holder(tmp_path: Path) -> None:
    holder = _holder(tmp_path, "run1")
    try:
        with pytest.raises(RunBusy) as caught, run_lock(tmp_path, "run1"):
            pytest.fail("the lock was taken twice")
        assert f"pid {holder.pid} on {socket.gethostname()}" in str(caught.value)
        with run_lock(tmp_path, "run2"):  # another run id in the same dataset is free
            pass
    finally:
        holder.kill()
        holder.wait()


def test_a_killed_holder_frees_the_lock(tmp_path: Path) -> None:
    holder = _holder(tmp_path, "run1")
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    with run_lock(tmp_path, "run1"):
        assert str(os.getpid()) in lock_path(tmp_path, "run1").read_text()


def test_a_waiting_process_gets_the_lock_when_the_holder_ends(tmp_path: Path) -> None:
    holder = _holder(tmp_path, "run1", seconds=1.5)
    started = time.monotonic()
    with run_lock(tmp_path, "run1", wait_s=30, poll_s=0.1):
        waited = time.monotonic() - started
    holder.wait()
    assert 0.5 < waited < 30


def test_run_pipeline_ends_busy_without_working_while_another_holds_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = load_config(None, [f"dataset={tmp_path / 'ds'}", "tasks=[{seed: code, limit: 1}]"])
    holder = _holder(config.dataset, config.id)
    try:
        summary = run_pipeline(config, quiet=True)
    finally:
        holder.kill()
        holder.wait()
    assert summary.state == "busy"
    assert f"pid {holder.pid}" in capsys.readouterr().err
    assert not (config.dataset / "commits").exists()  # nothing was committed
