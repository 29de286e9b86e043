"""Real Ray nodes on this machine for tests that need a cluster they did not start themselves:
each `ray start --block` in its own process group, stopped by its own process id (never
`ray stop`, which would stop every Ray on the machine)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

RAY = Path(sys.executable).parent / "ray"
ENV = {**os.environ, "RAY_AUTH_MODE": "token"}  # the cluster's token is in ~/.ray/auth_token
ENV.pop("RAY_ADDRESS", None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Node:
    """One Ray node: `ray start --block` in its own process group, killed as a whole."""

    def __init__(self, log: Path, *args: str) -> None:
        ports = ["--dashboard-agent-listen-port", "--dashboard-agent-grpc-port",
                 "--metrics-export-port", "--runtime-env-agent-port", "--node-manager-port",
                 "--object-manager-port"]  # fmt: skip
        cmd = [str(RAY), "start", "--block", "--disable-usage-stats",
               "--node-ip-address", "127.0.0.1", *args]  # fmt: skip
        for flag in ports:
            cmd += [flag, str(free_port())]
        self.proc = subprocess.Popen(
            cmd, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True, env=ENV
        )

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()


def alive(address: str, want: int) -> None:
    """Wait until `want` nodes are alive (asked through `ray list nodes`)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        out = subprocess.run(
            [str(RAY), "list", "nodes", "--address", address, "--format", "json",
             "--filter", "state=ALIVE"],
            capture_output=True, text=True, env=ENV,
        )  # fmt: skip
        listed = out.stdout.lstrip().startswith("[")  # "No resource in the cluster" otherwise
        if out.returncode == 0 and listed and len(json.loads(out.stdout)) >= want:
            return
        time.sleep(2)
    pytest.fail(f"the cluster did not reach {want} alive nodes")
