"""One check, seen from the zygote: hand the request to a child forked ahead of time, collect its
capped output while the wall clock runs, then kill everything it left behind and reap it, so no
process outlives the check. A Python entry that reports done gets its reply before that cleanup,
which then runs while the caller reads the reply (a process's exit costs about a millisecond)."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from assay.verifiers.sandbox.child import DONE, MB
from assay.verifiers.sandbox.memcg import MemoryCgroups
from assay.verifiers.sandbox.protocol import write_message
from assay.verifiers.sandbox.spare import Spare, SpareLost

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


def run_check(
    req: dict[str, Any],
    spare: Spare,
    reaper: Reaper,
    started: Callable[[], int] = lambda: 0,
    cgroups: MemoryCgroups | None = None,
) -> tuple[dict[str, Any], Callable[[], None]]:
    """Hand `req` to the waiting spare and watch it; return the reply and the cleanup still
    owed, which the caller runs after sending the reply and before the next check. When the
    entry reports done (see `child.DONE_FD`), the reply goes out before the child's teardown;
    otherwise everything is cleaned up here and the cleanup owed is nothing. Raises `SpareLost`
    when the spare is gone before it got the request (the caller forks another and retries).
    A command that asks for `resident` memory limits runs in a memory cgroup of its own where
    `cgroups` is given (else under RLIMIT_AS); the reply says which applied."""
    limits = req["limits"]
    start = time.monotonic()
    keys = ("kind", "entry", "payload", "argv", "limits", "stdin_file", "stack_mb")
    request = {k: req[k] for k in keys if k in req}
    group = _join_cgroup(cgroups, spare, limits) if req.get("resident") else None
    request["resident"] = group is not None
    try:
        write_message(spare.control, request)
    except OSError as exc:
        raise SpareLost(str(exc)) from exc
    os.close(spare.control)
    spare.control = -1
    _feed(spare.stdin, req.get("stdin", b""))
    spare.stdin = -1
    next_spare = started()  # the caller may fork the next check's child while this one runs
    bufs = {name: bytearray() for name in ("out", "err", "chan")}
    caps = {"out": limits.output_bytes, "err": limits.output_bytes, "chan": CHANNEL_CAP}
    pid = spare.pid
    ended, done_code, done_cpu = _pump(spare, bufs, caps, start + limits.wall_s)
    exit_code: int | None = done_code
    sig = None
    if ended == "done":
        cpu = done_cpu
        _quiet(os.killpg, pid)  # nothing more is written; the rest dies after the reply
        duration = time.monotonic() - start
        _drain(spare.reading, bufs, caps)

        def owed() -> None:
            _finish(spare, reaper, pid, next_spare)
            _release(spare, cgroups)

    else:
        reaper.kill_all(pid)
        _, status, usage = os.wait4(pid, 0)
        duration = time.monotonic() - start
        _pump(spare, bufs, caps, time.monotonic() + DRAIN_S, watch_pid=False)
        cpu = usage.ru_utime + usage.ru_stime
        _finish(spare, reaper, pid, next_spare, waited=True)
        owed = _nothing
        sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
        exited = os.WIFEXITED(status) and ended == "exit"
        exit_code = os.WEXITSTATUS(status) if exited else None
    timed_out = ended == "deadline"
    oom, peak = False, 0
    if group is not None and cgroups is not None:  # everything of the check is reaped by now
        killed, hit, peak = cgroups.report(group)
        oom = killed or (hit and (exit_code != 0 or sig is not None))
    if ended != "done":  # reaped: its cgroup goes (also one a spare got ahead of a plain check)
        _release(spare, cgroups)
    reply = {
        "exit_code": exit_code,
        "signal": sig,
        "timed_out": timed_out or sig == signal.SIGXCPU or cpu >= limits.cpu_s,
        "stdout": bytes(bufs["out"]),
        "stderr": bytes(bufs["err"]),
        "channel": bytes(bufs["chan"]),
        "duration_s": duration,
        "cpu_s": cpu,
        "memory_limit": cgroups.name if group is not None and cgroups else "rlimit-as",
        "oom": oom,
        "memory_peak": peak,
    }
    return reply, owed


def _release(spare: Spare, cgroups: MemoryCgroups | None) -> None:
    """Remove the cgroup the check ran in, once every process of it is reaped."""
    if spare.cgroup and cgroups is not None:
        cgroups.close(spare.cgroup)
    spare.cgroup = ""


def _join_cgroup(cgroups: MemoryCgroups | None, spare: Spare, limits: Any) -> str | None:
    """The memory cgroup holding the waiting `spare`, limited to the check's memory: the one it
    was moved into ahead of time, else a fresh one; None where none can be had (then RLIMIT_AS
    applies)."""
    if cgroups is None:
        return None
    try:
        if spare.cgroup:
            cgroups.limit(spare.cgroup, limits.memory_mb * MB)
            return spare.cgroup
        spare.cgroup = cgroups.open(spare.pid, limits.memory_mb * MB)
        return spare.cgroup
    except OSError:
        return None


def _nothing() -> None:
    """The cleanup owed when the check was cleaned up before its reply."""


def _finish(spare: Spare, reaper: Reaper, pid: int, next_spare: int, waited: bool = False) -> None:
    """Kill and reap every process of the check, and close its pipes (`waited`: the child
    itself is reaped already)."""
    if not waited:  # the waited-for path killed them before its wait
        reaper.kill_all(pid)
        os.waitpid(pid, 0)
    spare.pid = 0
    spare.close_fds()
    if not reaper.reap(pid, next_spare):
        os.write(2, f"sandbox: processes of check {pid} survived SIGKILL for {DRAIN_S}s\n".encode())


def _pump(
    spare: Spare,
    bufs: dict[str, bytearray],
    caps: dict[str, int],
    deadline: float,
    watch_pid: bool = True,
) -> tuple[str, int, float]:
    """Read output until the child exits ("exit"), its entry reports done ("done", its exit code
    and CPU seconds), or the deadline passes ("deadline"); without `watch_pid`, until every pipe
    closes.
    Output past a cap is read and dropped, so a flood never blocks the child on a full pipe."""
    reading = spare.reading
    while True:
        extra = [spare.pidfd, spare.done] if watch_pid else []
        watch = [*reading, *(fd for fd in extra if fd >= 0)]
        if not watch:
            return "exit", 0, 0.0
        left = deadline - time.monotonic()
        if left <= 0:
            return "deadline", 0, 0.0
        ready, _, _ = select.select(watch, [], [], left)
        for fd in ready:
            if fd == spare.pidfd:
                return "exit", 0, 0.0
            chunk = os.read(fd, 65536)
            if fd == spare.done:
                if len(chunk) == DONE.size:
                    return "done", *DONE.unpack(chunk)
                os.close(fd)  # no (whole) done message: wait for the child's exit
                spare.done = -1
            elif not chunk:
                os.close(fd)
                del reading[fd]
            else:
                buf, cap = bufs[reading[fd]], caps[reading[fd]]
                buf += chunk[: max(cap - len(buf), 0)]


def _drain(reading: dict[int, str], bufs: dict[str, bytearray], caps: dict[str, int]) -> None:
    """Read what the pipes hold now, without waiting for their writers to close them."""
    for fd, name in reading.items():
        os.set_blocking(fd, False)
        with contextlib.suppress(BlockingIOError):
            while chunk := os.read(fd, 65536):
                bufs[name] += chunk[: max(caps[name] - len(bufs[name]), 0)]


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
