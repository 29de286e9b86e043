"""The caller's side of the sandbox: owns one zygote process and sends it one check at a time.

A `ZygoteSandbox` is safe to use from one thread at a time (calls are serialised by a lock).
For parallel checks open several sandboxes, one per worker thread or actor: each has its own
zygote, namespaces and uid.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import subprocess
import sys
import threading
from typing import Any

from assay.verifiers.sandbox.api import Execution, Limits, SandboxOptions
from assay.verifiers.sandbox.policy import enforce
from assay.verifiers.sandbox.protocol import read_message, write_message

WARM = ("assay.verifiers.python.harness",)
PIPE_BYTES = 1 << 20  # the default /proc/sys/fs/pipe-max-size
REPLY_GRACE_S = (
    30.0  # beyond the wall limit, how long the zygote may take before it is presumed hung
)


class SandboxError(RuntimeError):
    """The sandbox itself broke (not the candidate): an infrastructure failure, retried upstream."""


class ZygoteSandbox:
    """A `Sandbox` backed by a warm zygote; see `assay.verifiers.sandbox.api`."""

    def __init__(
        self,
        warm: tuple[str, ...] = WARM,
        paths: tuple[str, ...] = (),
        options: SandboxOptions | None = None,
    ) -> None:
        self._warm = tuple(warm)
        self._paths = tuple(os.path.abspath(p) for p in paths)
        self.options = options or SandboxOptions()
        self._proc: subprocess.Popen[bytes] | None = None
        self._isolation = ""
        self._memory = "rlimit-as"  # what bounds a `resident` command's memory here
        self._cgroup = ""  # the zygote's cgroup folder, removed when it ends
        self._lock = threading.Lock()
        self._start()

    def _start(self) -> None:
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "PYTHONHASHSEED": "0",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        if self._paths:
            env["PYTHONPATH"] = os.pathsep.join(self._paths)
        refuse = (
            [f"--refuse={','.join(sorted(self.options.refuse))}"] if self.options.refuse else []
        )
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "assay.verifiers.sandbox.zygote", *refuse, *self._warm],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            close_fds=True,
            cwd="/",
            start_new_session=True,
            bufsize=0,
        )
        assert self._proc.stdin is not None and self._proc.stdout is not None
        for pipe in (self._proc.stdin, self._proc.stdout):  # big requests (a built program)
            with contextlib.suppress(OSError):  # cross in few switches, not 64 KiB at a time
                fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        hello = self._receive(REPLY_GRACE_S)
        if hello is None:
            self.close()
            raise SandboxError(
                "the sandbox zygote did not start; run "
                "`python -m assay.verifiers.sandbox.zygote` to see why"
            )
        self._isolation = hello["isolation"]
        self._memory, self._cgroup = hello.get("memory", "rlimit-as"), hello.get("cgroup", "")
        try:  # `require` on a machine that refused a layer: no check ever reaches this zygote
            enforce(self.options.isolation, hello["missing"], self._isolation)
        except BaseException:
            self.close()
            raise

    def spare_pid(self) -> int | None:
        """The pid (inside the sandbox's PID namespace, if it has one) of the child forked ahead
        for the next check, waiting for its request; None if there is none. For host checks."""
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                return None
            assert self._proc.stdin is not None
            write_message(self._proc.stdin.fileno(), {"kind": "spare"})
            reply = self._receive(REPLY_GRACE_S)
        return None if reply is None else reply["pid"]

    @property
    def isolation(self) -> str:
        return self._isolation

    @property
    def memory_limit(self) -> str:
        """What bounds a `resident` command's memory on this machine: `cgroup-v1`, `cgroup-v2`
        or `rlimit-as` (the fallback); each Execution says what applied to it."""
        return self._memory

    def _receive(self, timeout: float) -> Any:
        assert self._proc is not None and self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        ready, _, _ = select.select([fd], [], [], timeout)
        return read_message(fd) if ready else None

    def _call(self, request: dict[str, Any], limits: Limits) -> Execution:
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                self._start()
            assert self._proc is not None and self._proc.stdin is not None
            try:
                write_message(self._proc.stdin.fileno(), request)
                reply = self._receive(limits.wall_s + REPLY_GRACE_S)
            except OSError as exc:
                self.close()
                raise SandboxError(
                    f"the sandbox zygote died: {exc}; it restarts on the next check"
                ) from exc
            if reply is None:
                self.close()
                raise SandboxError(
                    "the sandbox zygote died or hung during a check; it restarts on the next check"
                )
        if "error" in reply:
            raise SandboxError(f"the sandbox could not run the check: {reply['error']}")
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
            cpu_s=reply["cpu_s"],
            memory_limit=reply.get("memory_limit", "rlimit-as"),
            memory_peak=reply.get("memory_peak", 0),
        )

    def run_python(self, entry: str, payload: bytes, limits: Limits) -> Execution:
        request = {"kind": "python", "entry": entry, "payload": payload, "limits": limits}
        return self._call(request, limits)

    def run_command(
        self,
        argv: list[str],
        files: dict[str, bytes],
        limits: Limits,
        stdin: bytes = b"",
        collect: tuple[str, ...] = (),
        *,
        stdin_file: str = "",
        resident: bool = False,
        stack_mb: int = 0,
    ) -> Execution:
        if not argv:
            raise ValueError("run_command needs a program: argv is empty")
        for name in (*files, *collect, *([stdin_file] if stdin_file else [])):
            if os.path.isabs(name) or os.path.normpath(name).startswith(".."):
                raise ValueError(f"file name {name!r} must be relative, inside the scratch dir")
        request = {
            "kind": "command",
            "argv": list(argv),
            "files": dict(files),
            "limits": limits,
            "stdin": stdin,
            "collect": tuple(collect),
            "stdin_file": stdin_file,
            "resident": resident,
            "stack_mb": int(stack_mb),
        }
        return self._call(request, limits)

    def close(self) -> None:
        """Stop the zygote; everything in its namespaces dies with it."""
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
        if self._cgroup:  # its checks' processes died with it; their cgroup folders go too
            from assay.verifiers.sandbox.memcg import remove_tree

            remove_tree(self._cgroup)

    def __enter__(self) -> ZygoteSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()


MEMORY_MARKERS = (b"MemoryError", b"std::bad_alloc", b"Cannot allocate memory", b"out of memory")


def _memory_exceeded(reply: dict[str, Any]) -> bool:
    """Under a memory cgroup, the kernel's word (an OOM kill, or the limit reached by a check
    that then failed); under RLIMIT_AS a hint read from allocation-failure messages."""
    if reply.get("oom"):
        return True
    if reply["exit_code"] == 0 and not reply["signal"]:
        return False
    tail = reply["stderr"][-4096:]
    return any(marker in tail for marker in MEMORY_MARKERS)


def open_sandbox(
    warm: tuple[str, ...] = WARM,
    paths: tuple[str, ...] = (),
    options: SandboxOptions | None = None,
) -> ZygoteSandbox:
    """Start a sandbox whose zygote pre-imports `warm` (trusted modules holding the entry points,
    found on `sys.path` plus `paths`); use it as a context manager. `options` say whether a
    machine without full isolation is refused (`IsolationRefused`) or only warned about."""
    return ZygoteSandbox(warm, paths, options)
