"""`assay server`: a persistent local Prefect server, so schedules fire on a machine with none.

Prefect's ephemeral server (what a flow starts when no API is configured) has no scheduler, so a
served deployment never runs. This one is `prefect server start` with its home under the user's
data folder, detached from the terminal, its pid and URL in `server.json` and its output in
`server.log` there; it is healthy once `/api/health` answers.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from assay.flows.ops.lifetime import bound_child
from assay.flows.stop import alive


class ServerError(RuntimeError):
    """The local server could not be started or reached; the message says why."""


def data_home() -> Path:
    """assay's data folder: `$XDG_DATA_HOME/assay`, else `~/.local/share/assay`."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "assay"


class ServerConfig(BaseModel):
    """Where the local server lives and listens."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    home: Path = Field(default_factory=lambda: data_home() / "prefect")
    host: str = "127.0.0.1"
    port: int = Field(default=4200, gt=0, lt=65536)
    start_timeout_s: float = Field(default=180, gt=0)  # a first start migrates the database

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/api"

    @property
    def state_file(self) -> Path:
        return self.home / "server.json"

    @property
    def log_file(self) -> Path:
        return self.home / "server.log"


@dataclass(frozen=True)
class Running:
    pid: int
    url: str


def healthy(url: str, timeout_s: float = 2.0) -> bool:
    import httpx

    try:
        return httpx.get(f"{url}/health", timeout=timeout_s).status_code == 200
    except httpx.HTTPError:
        return False


def _is_prefect_server(pid: int) -> bool:
    """Whether `pid` still is a `prefect server start` (not a process that reused its pid)."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return alive(pid)
    return alive(pid) and b"prefect" in b" ".join(argv) and b"server" in argv


def status(config: ServerConfig) -> Running | None:
    """The server started from `config.home`, if it still runs (healthy or not yet)."""
    try:
        info = json.loads(config.state_file.read_text())
        pid, url = int(info["pid"]), str(info["url"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return Running(pid, url) if _is_prefect_server(pid) else None


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def start(config: ServerConfig, bound: bool = False) -> tuple[Running, bool]:
    """The running server (started now if none runs) and whether this call started it. A
    `bound` server is killed when this process dies, however it dies (`ops.lifetime`); else it
    outlives this process (`assay server start`)."""
    if (running := status(config)) is not None:
        _wait_healthy(config, running)
        return running, False
    if not _port_free(config.host, config.port):
        raise ServerError(
            f"port {config.port} on {config.host} is taken by another program; start assay's "
            f"server on another one (`assay server start --port N`), or point PREFECT_API_URL "
            f"at the Prefect server that listens there"
        )
    config.home.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(PREFECT_HOME=str(config.home), PREFECT_SERVER_ANALYTICS_ENABLED="false")
    command = [sys.executable, "-m", "prefect", "server", "start", "--host", config.host,
               "--port", str(config.port)]  # fmt: skip
    with config.log_file.open("ab") as log:
        proc = subprocess.Popen(
            command, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,  # not stopped by the terminal's Ctrl-C; stopped as a group
            preexec_fn=bound_child() if bound else None,  # started from the main thread
        )  # fmt: skip
    running = Running(proc.pid, config.url)
    config.state_file.write_text(json.dumps({"pid": proc.pid, "url": config.url}))
    try:
        _wait_healthy(config, running)
    except BaseException:  # a server that never came up (or whose caller stopped) goes too
        stop(config)
        raise
    return running, True


def _wait_healthy(config: ServerConfig, running: Running) -> None:
    deadline = time.monotonic() + config.start_timeout_s
    while not healthy(running.url):
        if not _is_prefect_server(running.pid):
            raise ServerError(f"the Prefect server exited; its log: {config.log_file}")
        if time.monotonic() > deadline:
            raise ServerError(
                f"the Prefect server (pid {running.pid}) did not answer {running.url}/health "
                f"within {config.start_timeout_s:.0f}s; its log: {config.log_file}"
            )
        time.sleep(0.5)


def stop(config: ServerConfig, grace_s: float = 20.0) -> Running | None:
    """Stop the server started from `config.home` (its process group: SIGTERM, then SIGKILL)."""
    running = status(config)
    if running is not None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(running.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        while alive(running.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(running.pid, signal.SIGKILL)
    config.state_file.unlink(missing_ok=True)
    return running
