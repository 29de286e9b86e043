"""One check, seen from the zygote: hand the request to a child forked ahead of time, collect its
capped output while the wall clock runs, then kill everything it left behind and reap it, so no
process outlives the check."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from assay.verifiers.sandbox.child import run_spare
from assay.verifiers.sandbox.protocol import write_message

CHANNEL_CAP = 64 * 1024 * 1024
DRAIN_S = 2.0  # after the kill, how long dying writers may take to close their pipes


@dataclass(frozen=True)
class Reaper:
    """How leftovers die. Where checks run with a uid of their own, every process of a check has
    it (no privileges, no setuid exec), so killing that uid's processes and the check's session
    reaches all of them and nothing else: the next check's spare, forked during this check,
    keeps the zygote's uid until its request. Without an own uid, `kill(-1)` where the zygote is
    PID 1 of its own namespace (then the spare is forked only after the check)."""

    own_pid_namespace: bool
    uid: int

    @property
    def spares_survive(self) -> bool:
        """Whether a spare forked during a check survives that check's cleanup."""
        return self.uid != os.geteuid()

    def kill_all(self, pid: int) -> None:
        if not self.spares_survive and self.own_pid_namespace:
            os.kill(-1, signal.SIGKILL)
            return
        _quiet(os.killpg, pid)
        if self.spares_survive:
            for other in self._processes():
                _quiet(os.kill, other)

    def _processes(self) -> list[int]:
        return [int(e) for e in os.listdir("/proc") if e.isdigit() and _owner(e) == self.uid]

    def reap(self, pid: int, spare: int = 0) -> bool:
        """Wait for every process of the check (orphans come to the zygote, a subreaper); False
        if some survived the kill for `DRAIN_S`. `spare`, a waiting child, is not waited for."""
        deadline = time.monotonic() + DRAIN_S
        while True:
            try:
                got, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return True
            if got == 0:
                if spare and not self._processes():
                    return True  # only the spare is left (alive); zombies are reaped above
                if time.monotonic() > deadline:
                    return False
                self.kill_all(pid)
                time.sleep(0.001)
            elif got == spare:
                spare = 0  # it died while it waited: the zygote notices when it hands it work


@dataclass
class Spare:
    """A child forked ahead of its check (see `child.run_spare`), waiting for its request."""

    pid: int
    pidfd: int
    scratch: str
    control: int  # write end: the request
    stdin: int  # write end: the check's standard input
    reading: dict[int, str]  # read ends: out, err, chan

    def discard(self) -> None:
        """Close the zygote's ends still open and reap the child (a waiting spare reads end of
        stream and exits; one that got its request is killed first)."""
        for fd in [self.control, self.stdin, self.pidfd, *self.reading]:
            if fd >= 0:
                _quiet_close(fd)
        self.control = self.stdin = self.pidfd = -1
        self.reading = {}
        if self.pid > 0:
            _quiet(os.kill, self.pid)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
            self.pid = 0


class SpareLost(RuntimeError):
    """The spare died before it got its request; the zygote forks another and retries."""


def fork_spare(scratch: str, uid: int) -> Spare:
    """Fork the next check's child now, so the fork is paid between checks, not during one."""
    pipes = {name: os.pipe() for name in ("out", "err", "chan", "in", "control")}
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        writes = ("out", "err", "chan")
        ends = {n: pipes[n][1] for n in writes} | {n: pipes[n][0] for n in ("in", "control")}
        for name, (r, w) in pipes.items():  # the zygote's ends must not reach the check
            os.close(w if name in ("in", "control") else r)
        run_spare(scratch, ends, uid)
    for name in ("out", "err", "chan"):
        os.close(pipes[name][1])
    for name in ("in", "control"):
        os.close(pipes[name][0])
    return Spare(
        pid,
        os.pidfd_open(pid),
        scratch,
        pipes["control"][1],
        pipes["in"][1],
        {pipes[n][0]: n for n in ("out", "err", "chan")},
    )


def run_check(
    req: dict[str, Any], spare: Spare, reaper: Reaper, started: Callable[[], int] = lambda: 0
) -> dict[str, Any]:
    """Hand `req` to the waiting spare and watch it to the end. Raises OSError when the spare
    is gone before it got the request (the caller forks another and retries)."""
    limits = req["limits"]
    start = time.monotonic()
    request = {k: req[k] for k in ("kind", "entry", "payload", "argv", "limits") if k in req}
    try:
        write_message(spare.control, request)
    except OSError as exc:
        raise SpareLost(str(exc)) from exc
    os.close(spare.control)
    spare.control = -1
    _feed(spare.stdin, req.get("stdin", b""))
    spare.stdin = -1
    next_spare = started()  # the caller may fork the next check's child while this one runs
    names = ("out", "err", "chan")
    caps = {"out": limits.output_bytes, "err": limits.output_bytes, "chan": CHANNEL_CAP}
    bufs = {name: bytearray() for name in names}
    reading, pid, pidfd = spare.reading, spare.pid, spare.pidfd
    timed_out = not _pump(reading, bufs, caps, start + limits.wall_s, pidfd)
    reaper.kill_all(pid)
    _, status, usage = os.wait4(pid, 0)
    spare.pid = 0
    duration = time.monotonic() - start
    _pump(reading, bufs, caps, time.monotonic() + DRAIN_S, None)
    for fd in [*reading, pidfd]:
        os.close(fd)
    spare.reading, spare.pidfd = {}, -1
    clean = reaper.reap(pid, next_spare)
    cpu = usage.ru_utime + usage.ru_stime
    sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
    return {
        "exit_code": os.WEXITSTATUS(status) if os.WIFEXITED(status) and not timed_out else None,
        "signal": sig,
        "timed_out": timed_out or sig == signal.SIGXCPU or cpu >= limits.cpu_s,
        "stdout": bytes(bufs["out"]),
        "stderr": bytes(bufs["err"]),
        "channel": bytes(bufs["chan"]),
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


def _quiet_close(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.close(fd)
