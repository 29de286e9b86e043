"""A live `assay verify-server` on loopback, one per test module (Ray starts in about 15 s),
and what it started, so a test can check that nothing outlives it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from raycluster import free_port

from assay.flows.ops.sweeper import tree
from assay.flows.stop import alive


class Server:
    def __init__(self, log: Path, *args: str, port: int = 0) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        cmd = [sys.executable, "-m", "assay.flows", "verify-server", "--port", str(self.port),
               *args]  # fmt: skip
        self.proc = subprocess.Popen(cmd, stdout=log.open("w"), stderr=subprocess.STDOUT)
        self.started: set[tuple[int, int]] = set()

    def wait_ready(self, timeout_s: float = 150.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text()[-3000:]
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as reply:
                    if reply.status == 200:
                        self.started = tree(self.proc.pid)
                        return
            except OSError:
                time.sleep(0.5)
        raise AssertionError(f"not ready in {timeout_s}s: {self.log.read_text()[-3000:]}")

    def pids(self, title: str) -> list[int]:
        """The server's processes whose command line holds `title` (e.g. a replica's)."""
        found = []
        for pid, _ in tree(self.proc.pid):
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if title in cmdline:
                found.append(pid)
        return found

    def stop(self, timeout_s: float = 60.0) -> list[int]:
        """SIGTERM, wait for the exit; the pids of what it started that still run after."""
        self.started |= tree(self.proc.pid)
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        deadline = time.monotonic() + 30
        while (left := self.left()) and time.monotonic() < deadline:
            time.sleep(0.5)
        return left

    def left(self) -> list[int]:
        """What the server started that still runs (same pid and start time)."""
        return [pid for pid, _ in self.started & tree(1) if alive(pid)]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    log = tmp_path_factory.mktemp("server") / "server.log"
    running = Server(log, "--max-queue", "64", "--max-workers", "2")
    try:
        running.wait_ready()
        yield running
    finally:
        for pid in running.stop():
            os.kill(pid, signal.SIGKILL)
