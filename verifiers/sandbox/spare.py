"""The next check's child, forked ahead of time so a check's critical path holds no fork."""

from __future__ import annotations

import contextlib
import os
import signal
from dataclasses import dataclass

from assay.verifiers.sandbox.child import run_spare, set_environment


@dataclass
class Spare:
    """A child forked ahead of its check (see `child.run_spare`), waiting for its request."""

    pid: int
    pidfd: int
    scratch: str
    control: int  # write end: the request
    stdin: int  # write end: the check's standard input
    done: int  # read end: the trusted entry's exit code, once its output is complete
    reading: dict[int, str]  # read ends: out, err, chan
    cgroup: str = ""  # the memory cgroup it was moved into ahead of its check, if any

    def close_fds(self) -> None:
        """Close the zygote's ends still open."""
        for fd in [self.control, self.stdin, self.pidfd, self.done, *self.reading]:
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self.control = self.stdin = self.pidfd = self.done = -1
        self.reading = {}

    def discard(self) -> None:
        """Close the zygote's ends and reap the child (a waiting spare reads end of stream and
        exits; one that got its request is killed first)."""
        self.close_fds()
        if self.pid > 0:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(self.pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
            self.pid = 0


class SpareLost(RuntimeError):
    """The spare died before it got its request; the zygote forks another and retries."""


def fork_spare(scratch: str, uid: int) -> Spare:
    """Fork the next check's child now, so the fork is paid between checks, not during one."""
    writes, reads = ("out", "err", "chan", "done"), ("in", "control")
    pipes = {name: os.pipe() for name in (*writes, *reads)}
    set_environment(scratch)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        ends = {n: pipes[n][1] for n in writes} | {n: pipes[n][0] for n in reads}
        for name, (r, w) in pipes.items():  # the zygote's ends must not reach the check
            os.close(w if name in reads else r)
        run_spare(scratch, ends, uid)
    for name in writes:
        os.close(pipes[name][1])
    for name in reads:
        os.close(pipes[name][0])
    return Spare(
        pid,
        os.pidfd_open(pid),
        scratch,
        pipes["control"][1],
        pipes["in"][1],
        pipes["done"][0],
        {pipes[n][0]: n for n in ("out", "err", "chan")},
    )
