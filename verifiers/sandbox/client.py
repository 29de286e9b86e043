"""The caller's side of the sandbox: owns one zygote process and sends it one check at a time.

Safe from one thread at a time; for parallel checks open one sandbox per worker thread or actor
(each has its own zygote, namespaces and uid).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from typing import Any

from assay.verifiers.sandbox.api import Execution, Limits
from assay.verifiers.sandbox.protocol import read_message, write_message

log = logging.getLogger("assay.sandbox")
WARM = ("assay.verifiers.pyharness",)
_warned: set[str] = set()
_warn_lock = threading.Lock()


class SandboxError(RuntimeError):
    """The sandbox itself broke (not the candidate): an infrastructure failure, retried upstream."""


def _warn_once(missing: list[str], level: str) -> None:
    key = ",".join(missing)
    with _warn_lock:
        if not missing or key in _warned:
            return
        _warned.add(key)
    log.warning(
        "SANDBOX DEGRADED: this machine does not allow %s; checks run with isolation "
        "level %r. Run workers in a container or VM (see infra/) for the missing layers.",
        ", ".join(missing),
        level,
    )


class ZygoteSandbox:
    """A `Sandbox` backed by a warm zygote; see `assay.verifiers.sandbox.api`."""

    def __init__(self, warm: tuple[str, ...] = WARM) -> None:
        self._warm = warm
        self._proc: subprocess.Popen[bytes] | None = None
        self._isolation = ""
        self._start()

    def _start(self) -> None:
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "PYTHONHASHSEED": "0",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "assay.verifiers.sandbox.zygote", *self._warm],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            close_fds=True,
            cwd="/",
            start_new_session=True,
        )
        hello = read_message(self._proc.stdout)
        if hello is None:
            raise SandboxError(
                "the sandbox zygote did not start; run "
                "`python -m assay.verifiers.sandbox.zygote` to see why"
            )
        self._isolation = hello["isolation"]
        _warn_once(hello["missing"], self._isolation)

    @property
    def isolation(self) -> str:
        return self._isolation

    def _call(self, request: dict[str, Any]) -> Execution:
        if self._proc is None or self._proc.poll() is not None:
            self._start()
        assert self._proc is not None
        try:
            write_message(self._proc.stdin, request)
            reply = read_message(self._proc.stdout)
        except (BrokenPipeError, OSError) as exc:
            self.close()
            raise SandboxError(f"the sandbox zygote died: {exc}") from exc
        if reply is None:
            self.close()
            raise SandboxError("the sandbox zygote died during a check")
        return Execution(
            exit_code=reply["exit_code"],
            signal=reply["signal"],
            timed_out=reply["timed_out"],
            memory_exceeded=_memory_exceeded(reply),
            stdout=reply["stdout"],
            stderr=reply["stderr"],
            channel=reply["channel"],
            duration_s=reply["duration_s"],
            isolation=self._isolation,
            files=reply["files"],
        )

    def run_python(self, entry: str, payload: bytes, limits: Limits) -> Execution:
        return self._call({"kind": "python", "entry": entry, "payload": payload, "limits": limits})

    def run_command(
        self,
        argv: list[str],
        files: dict[str, bytes],
        limits: Limits,
        stdin: bytes = b"",
        collect: tuple[str, ...] = (),
    ) -> Execution:
        return self._call(
            {
                "kind": "command",
                "argv": argv,
                "files": files,
                "limits": limits,
                "stdin": stdin,
                "collect": collect,
            }
        )

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        for stream in (proc.stdin, proc.stdout):
            if stream:
                stream.close()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()

    def __enter__(self) -> ZygoteSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


MEMORY_MARKERS = (b"MemoryError", b"std::bad_alloc", b"Cannot allocate memory", b"out of memory")


def _memory_exceeded(reply: dict[str, Any]) -> bool:
    tail = reply["stderr"][-4096:]
    return any(marker in tail for marker in MEMORY_MARKERS)


def open_sandbox(warm: tuple[str, ...] = WARM) -> ZygoteSandbox:
    """Start a sandbox (a zygote pre-importing `warm`); use it as a context manager."""
    return ZygoteSandbox(warm)
