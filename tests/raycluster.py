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
JOIN_S = 90  # a node not listed alive by then is started again (a busy 2-core machine: ~15 s)
TRIES = 3


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Node:
    """One Ray node: `ray start --block` in its own process group, killed as a whole, named
    `name` in the cluster (`--node-name`) so that a wait asks for this very node."""

    def __init__(self, log: Path, name: str, *args: str) -> None:
        ports = ["--dashboard-agent-listen-port", "--dashboard-agent-grpc-port",
                 "--metrics-export-port", "--runtime-env-agent-port", "--node-manager-port",
                 "--object-manager-port"]  # fmt: skip
        cmd = [str(RAY), "start", "--block", "--disable-usage-stats", "--node-name", name,
               "--node-ip-address", "127.0.0.1", *args]  # fmt: skip
        for flag in ports:
            cmd += [flag, str(free_port())]
        self.log, self.name = log, name
        self.proc = subprocess.Popen(
            cmd, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True, env=ENV
        )

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()


def _listed(dashboard: str, name: str) -> bool:
    """Whether the cluster lists node `name` alive (asked through `ray list nodes`)."""
    out = subprocess.run(
        [str(RAY), "list", "nodes", "--address", dashboard, "--format", "json",
         "--filter", "state=ALIVE", "--filter", f"node_name={name}"],
        capture_output=True, text=True, env=ENV,
    )  # fmt: skip
    listed = out.stdout.lstrip().startswith("[")  # "No resource in the cluster" otherwise
    return out.returncode == 0 and listed and len(json.loads(out.stdout)) > 0


def start(folder: Path, name: str, dashboard: str, *args: str) -> Node:
    """Start node `name` and wait until the cluster lists it alive. A `ray start` that exits
    (a port chosen free was taken before Ray bound it) or a node not listed within `JOIN_S` is
    killed and started again on fresh ports, `TRIES` times; the last failure quotes each log."""
    logs = []
    for attempt in range(TRIES):
        label = f"{name}-{attempt}"  # a killed try may stay listed alive a while
        node = Node(folder / f"{label}.log", label, *args)
        logs.append(node.log)
        deadline = time.monotonic() + JOIN_S
        while time.monotonic() < deadline and node.proc.poll() is None:
            if _listed(dashboard, label):
                return node
            time.sleep(2)
        node.kill()
    tails = "\n".join(f"--- {p.name}:\n{p.read_text()[-2000:]}" for p in logs)
    pytest.fail(f"Ray node {name} did not join in {TRIES} tries of {JOIN_S} s\n{tails}")
