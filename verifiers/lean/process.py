"""One long-lived REPL process: send a request, wait for its answer, kill the whole group.

The process runs in its own session (so a kill reaches `lake env`, the REPL and anything they
started) and is started through `assay.verifiers.lean.launch`, which records its isolation.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
import weakref
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from assay.verifiers.lean.protocol import Response, encode, parse

STDERR_TAIL = 4096


class ReplTimeout(RuntimeError):
    """No answer within the time allowed; the process has been killed."""


class ReplDied(RuntimeError):
    """The process exited or broke the protocol; it has been killed. `stderr` has its tail."""

    def __init__(self, message: str, stderr: str = "") -> None:
        super().__init__(message)
        self.stderr = stderr


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


class ReplProcess:
    """A REPL speaking JSON over stdio. Not thread-safe: the pool lends it to one caller."""

    def __init__(
        self,
        argv: Sequence[str],
        cwd: Path,
        env: Mapping[str, str],
        address_space_mb: int | None = None,
        fsize_mb: int = 256,
        start_timeout_s: float = 60.0,
    ) -> None:
        limit = "none" if address_space_mb is None else str(address_space_mb)
        launch = [sys.executable, "-m", "assay.verifiers.lean.launch", limit, str(fsize_mb), "--"]
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process
        self.proc = subprocess.Popen(
            [*launch, *argv],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            cwd=str(cwd),
            env=dict(env),
            start_new_session=True,
            close_fds=True,
            bufsize=0,
        )
        self._finalizer = weakref.finalize(self, _kill_group, self.proc.pid)
        self._buf = b""
        self.commands = 0
        self.envs: dict[tuple[str, str], int] = {}  # (imports, preamble) -> env id after them
        self.last_used = time.monotonic()
        hello = self._read_block(start_timeout_s, until=b"\n").decode(errors="replace")
        if not hello.startswith("assay-launch "):
            self.kill()
            raise ReplDied(f"the REPL launcher did not start: {hello!r}", self.stderr_tail())
        self.isolation = hello.split(" ", 1)[1].strip()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def request(self, request: dict[str, Any], timeout_s: float) -> Response:
        """Send one request and return its typed answer; on timeout or death, kill and raise."""
        assert self.proc.stdin is not None
        self.commands += 1
        self.last_used = time.monotonic()
        try:
            self.proc.stdin.write(encode(request))
        except (BrokenPipeError, OSError) as exc:
            self.kill()
            raise ReplDied(f"the REPL is gone: {exc}", self.stderr_tail()) from exc
        text = self._read_block(timeout_s, until=b"\n\n").decode(errors="replace")
        try:
            return parse(json.loads(text))
        except ValueError as exc:
            self.kill()
            raise ReplDied(f"the REPL broke the protocol: {exc}", self.stderr_tail()) from exc

    def _read_block(self, timeout_s: float, until: bytes) -> bytes:
        """Bytes up to `until` (the blank line that ends an answer), within `timeout_s`."""
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout_s
        while until not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                self.kill()
                raise ReplTimeout(f"no answer from the REPL within {timeout_s:g}s")
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                self.kill()
                code = self.proc.poll()
                raise ReplDied(f"the REPL exited (status {code})", self.stderr_tail())
            self._buf += chunk
        block, self._buf = self._buf.split(until, 1)
        return block

    def rss_mb(self) -> float:
        """Resident memory of every process in this REPL's session (lake env + repl)."""
        total_kb = 0
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as fh:
                    fields = fh.read().rsplit(b")", 1)[1].split()
                if int(fields[3]) != self.pid:  # field 6 (session id), after pid and comm
                    continue
                with open(f"/proc/{entry.name}/status", "rb") as fh:
                    for line in fh:
                        if line.startswith(b"VmRSS:"):
                            total_kb += int(line.split()[1])
            except (OSError, IndexError, ValueError):
                continue
        return total_kb / 1024

    def stderr_tail(self) -> str:
        try:
            self._stderr.seek(0, os.SEEK_END)
            size = self._stderr.tell()
            self._stderr.seek(max(0, size - STDERR_TAIL))
            return self._stderr.read().decode(errors="replace")
        except (OSError, ValueError):
            return ""

    def kill(self) -> None:
        """Kill the whole session (the REPL and its children) and reap it."""
        _kill_group(self.proc.pid)
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream:
                with contextlib.suppress(OSError):
                    stream.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)
        self._finalizer.detach()
