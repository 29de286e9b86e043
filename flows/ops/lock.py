"""One process at a time per run: an fcntl lock on `<dataset>/locks/<run id>.lock`.

Two processes working on the same run id would generate and check the same tasks twice and race
each other's commits. The kernel drops the lock when its holder dies however it dies, so a killed
run never leaves a stale lock; the file also names the holder (pid, host, since) for the message
the next process shows.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path


class RunBusy(RuntimeError):
    """Another process holds the run's lock; the message names it."""


def lock_path(dataset: Path, run_id: str) -> Path:
    return dataset / "locks" / f"{run_id}.lock"


def holder(path: Path) -> str:
    """Who holds (or last held) the lock at `path`, as written by its holder."""
    try:
        info = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        info = {}
    if not info:
        return "another process"
    return f"pid {info.get('pid')} on {info.get('host')} (since {info.get('since')})"


@contextlib.contextmanager
def run_lock(
    dataset: Path, run_id: str, wait_s: float = 0.0, poll_s: float = 0.5
) -> Iterator[None]:
    """Hold run `run_id`'s lock in `dataset` for the block. A busy lock is waited on for up to
    `wait_s` seconds (`float("inf")`: until it is free), then `RunBusy` names its holder."""
    path = lock_path(dataset, run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)  # not inherited by child processes
    try:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise RunBusy(
                        f"run {run_id} in {dataset} is being worked on by {holder(path)}; "
                        "wait for it to end or stop it (its lock frees itself when it exits)"
                    ) from None
                time.sleep(poll_s)
        info = {"pid": os.getpid(), "host": socket.gethostname(),
                "since": datetime.now(UTC).isoformat(timespec="seconds")}  # fmt: skip
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock if held
