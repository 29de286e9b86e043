"""Whatever a run starts on this machine dies with the run, however the run ends.

A normal exit, an exception, SIGTERM and Ctrl-C stop what a run started through its cleanup
(`finally` blocks, Prefect's atexit hook, `stop.force_exit`). SIGKILL (an OOM killer, a
scheduler's hard stop, `kill -9`) runs no cleanup at all, so two backstops hold without it:

- A parent-death signal (Linux `prctl(PR_SET_PDEATHSIG)`) on every process assay starts itself:
  the kernel SIGKILLs it the moment its parent dies. Prefect's temporary API server and the
  server `assay serve` starts (`bound_child`), each scheduled run `assay serve` spawns
  (`follow_owner`), the sandbox zygotes and the Lean REPL launchers (set at their start); Ray
  sets it on its own local processes. The kernel ties it to the *thread* that started the
  child, so such children are started from the main thread.
- A sweeper per run (`ops.sweeper`; `assay serve` has one too): a small process that waits for
  the run's process to end and then stops what is left of the run's process tree and whatever
  carries the run's mark in its environment, such as Ray's agents, which otherwise wait a
  minute on the dead GCS before they exit.

Why these and not one shared, reused Prefect server: nothing then outlives a run (a per-run
server costs its start, a few seconds), runs stay independent, and the kernel (or a process
that does nothing but wait) acts when nothing of the run can any more.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Callable

from assay.flows.stop import alive

PR_SET_PDEATHSIG = 1
OWNER = "ASSAY_OWNER_PID"  # set by `assay serve` for the scheduled runs Prefect spawns for it


def _prctl() -> Callable[..., int] | None:
    """libc's prctl, resolved before any fork (a preexec hook must not look symbols up)."""
    if not sys.platform.startswith("linux"):
        return None
    return ctypes.CDLL(None, use_errno=True).prctl


def bound_child() -> Callable[[], None] | None:
    """A `preexec_fn` for `subprocess.Popen`: the child is SIGKILLed when this process dies (at
    once if it died before the child could arm the signal). Only Linux has it (None elsewhere).
    Start the child from the main thread: the signal fires when the forking thread ends."""
    prctl = _prctl()
    if prctl is None:
        return None
    parent = os.getpid()

    def arm() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent died between fork and prctl
            os.kill(os.getpid(), signal.SIGKILL)

    return arm


def mark_owner() -> None:
    """Let processes that a library spawns for this one (Prefect's runner starts each scheduled
    run) find out who they must die with (`follow_owner`)."""
    os.environ[OWNER] = str(os.getpid())


def follow_owner() -> None:
    """In a process spawned for a `mark_owner` process: die with it. Gone already: die now; not
    this process's parent (started some other way): nothing is armed."""
    owner = os.environ.pop(OWNER, "")  # not passed on to what this process starts
    prctl = _prctl()
    if not owner.isdigit() or prctl is None:
        return
    if os.getppid() == int(owner):
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if not alive(int(owner)):
        os.kill(os.getpid(), signal.SIGKILL)
