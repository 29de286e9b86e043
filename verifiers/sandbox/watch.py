"""One check, seen from the zygote: fork the child, collect its capped output while the wall
clock runs, then kill everything it left behind and reap it, so no process outlives the check."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import time
from dataclasses import dataclass
from typing import Any

from assay.verifiers.sandbox.child import run_child

CHANNEL_CAP = 64 * 1024 * 1024
DRAIN_S = 2.0  # after the kill, how long dying writers may take to close their pipes


@dataclass(frozen=True)
class Reaper:
    """How leftovers die: `kill(-1)` where the zygote is PID 1 of its own namespace (one call
    reaches every process of the check and nothing else), else the session plus the check's uid."""

    own_pid_namespace: bool
    uid: int

    def kill_all(self, pid: int) -> None:
        if self.own_pid_namespace:
            os.kill(-1, signal.SIGKILL)
            return
        _quiet(os.killpg, pid)
        if self.uid != os.geteuid():  # a uid of its own: every process with it is the check's
            for entry in os.listdir("/proc"):
                if entry.isdigit() and _owner(entry) == self.uid:
                    _quiet(os.kill, int(entry))

    def reap(self, pid: int) -> bool:
        """Wait for every process of the check (orphans come to the zygote, a subreaper); False
        if some survived the kill for `DRAIN_S`."""
        deadline = time.monotonic() + DRAIN_S
        while True:
            try:
                got, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return True
            if got == 0:
                if time.monotonic() > deadline:
                    return False
                self.kill_all(pid)
                time.sleep(0.001)


def run_check(req: dict[str, Any], scratch: str, reaper: Reaper) -> dict[str, Any]:
    limits = req["limits"]
    names = ("out", "err", "chan") if req["kind"] == "python" else ("out", "err")
    pipes = {name: os.pipe() for name in (*names, "in")}
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        ends = {n: w for n, (_, w) in pipes.items() if n != "in"} | {"in": pipes["in"][0]}
        run_child(req, scratch, ends, reaper.uid)
    for name in names:
        os.close(pipes[name][1])
    os.close(pipes["in"][0])
    _feed(pipes["in"][1], req.get("stdin", b""))
    caps = {"out": limits.output_bytes, "err": limits.output_bytes, "chan": CHANNEL_CAP}
    bufs = {name: bytearray() for name in names}
    reading = {pipes[name][0]: name for name in names}
    pidfd = os.pidfd_open(pid)
    timed_out = not _pump(reading, bufs, caps, start + limits.wall_s, pidfd)
    reaper.kill_all(pid)
    _, status, usage = os.wait4(pid, 0)
    duration = time.monotonic() - start
    _pump(reading, bufs, caps, time.monotonic() + DRAIN_S, None)
    for fd in [*reading, pidfd]:
        os.close(fd)
    clean = reaper.reap(pid)
    cpu = usage.ru_utime + usage.ru_stime
    sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
    return {
        "exit_code": os.WEXITSTATUS(status) if os.WIFEXITED(status) and not timed_out else None,
        "signal": sig,
        "timed_out": timed_out or sig == signal.SIGXCPU or cpu >= limits.cpu_s,
        "stdout": bytes(bufs["out"]),
        "stderr": bytes(bufs["err"]),
        "channel": bytes(bufs.get("chan", b"")),
        "duration_s": duration,
        "cpu_s": cpu,
        "leftovers": not clean,
    }


def _pump(
    reading: dict[int, str],
    bufs: dict[str, bytearray],
    caps: dict[str, int],
    deadline: float,
    pidfd: int | None,
) -> bool:
    """Read until the child exits (pidfd readable) or every pipe closes; False at the deadline.
    Output past a cap is read and dropped, so a flood never blocks the child on a full pipe."""
    while True:
        watch = [*reading, pidfd] if pidfd is not None else list(reading)
        if not watch:
            return True
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        ready, _, _ = select.select(watch, [], [], left)
        for fd in ready:
            if fd == pidfd:
                return True
            chunk = os.read(fd, 65536)
            if not chunk:
                os.close(fd)
                del reading[fd]
                continue
            buf, cap = bufs[reading[fd]], caps[reading[fd]]
            buf += chunk[: max(cap - len(buf), 0)]


def _feed(fd: int, data: bytes) -> None:
    """Write stdin without blocking the zygote: anything past the pipe buffer is dropped."""
    os.set_blocking(fd, False)
    with contextlib.suppress(BlockingIOError, BrokenPipeError):
        os.write(fd, data[:65536])
    os.close(fd)


def _owner(pid: str) -> int:
    try:
        return os.stat(f"/proc/{pid}").st_uid
    except OSError:
        return -1


def _quiet(kill: Any, target: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        kill(target, signal.SIGKILL)
