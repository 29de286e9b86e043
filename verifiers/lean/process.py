"""One long-lived REPL process: send a request, wait for its answer, kill the whole group.

The process is started through `assay.verifiers.lean.launch`, which puts it in the sandbox's
namespaces (read-only files but a scratch folder, no network, its own uid and PID namespace)
and reports the level reached; a machine that refuses a layer is refused or warned about by the
policy in `ReplSandbox.options`. It runs in its own session, so a kill reaches the launcher and
the REPL, whose PID namespace then takes everything they started with it.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
import weakref
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from assay.verifiers.lean.protocol import Response, encode, parse
from assay.verifiers.lean.repl_sandbox import ReplSandbox
from assay.verifiers.sandbox.policy import enforce

STDERR_TAIL = 4096


class ReplTimeout(RuntimeError):
    """No answer within the time allowed; the process has been killed."""


class ReplDied(RuntimeError):
    """The process exited or broke the protocol; it has been killed. `stderr` has its tail."""

    def __init__(self, message: str, stderr: str = "") -> None:
        super().__init__(message)
        self.stderr = stderr


def _kill_group(pid: int, uid: int | None = None) -> None:
    """Kill the REPL's session; with a uid of its own, every process of that uid too (what it
    started in a session of its own, where it has no PID namespace to take them along)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    if uid is None:
        return
    for entry in os.listdir("/proc"):
        with contextlib.suppress(OSError, ValueError):
            if entry.isdigit() and os.stat(f"/proc/{entry}").st_uid == uid:
                os.kill(int(entry), signal.SIGKILL)


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
        sandbox: ReplSandbox | None = None,
    ) -> None:
        sandbox = sandbox or ReplSandbox()
        launch = sandbox.command(str(cwd), address_space_mb, fsize_mb)
        self._scratch = ""  # removed at kill where it lies on the host (no private /tmp)
        self._uid: int | None = None  # the REPL's own uid, if it has one
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
        try:
            if not hello.startswith("assay-launch "):
                raise ValueError(hello)
            info = json.loads(hello.removeprefix("assay-launch "))
            self.isolation: str = info["level"]
            self.missing: list[str] = info["missing"]
            self.scratch: str = info["scratch"]
        except (ValueError, KeyError, TypeError):
            self.kill()
            raise ReplDied(
                f"the REPL launcher did not start: {hello!r}", self.stderr_tail()
            ) from None
        self._scratch = "" if info.get("private") else self.scratch
        self._uid = info.get("uid")
        self._finalizer.detach()
        self._finalizer = weakref.finalize(self, _kill_group, self.proc.pid, self._uid)
        try:
            enforce(sandbox.options.isolation, self.missing, self.isolation, "Lean REPL")
        except BaseException:
            self.kill()
            raise

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
        _kill_group(self.proc.pid, self._uid)
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream:
                with contextlib.suppress(OSError):
                    stream.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)
        if self._scratch:
            shutil.rmtree(self._scratch, ignore_errors=True)
        self._finalizer.detach()
