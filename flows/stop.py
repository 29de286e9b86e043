"""How `assay` stops on SIGTERM (a scheduler's or `kill`'s stop): like Ctrl-C, and for sure.

The handler raises `Terminated` (a KeyboardInterrupt) so `finally` blocks run: Prefect marks the
flow run crashed, Ray's local processes and Prefect's local API server stop with the command.
That alone is not enough: Prefect swaps in its own SIGTERM handler while a flow runs, and Ray's
compiled calls (`ray.wait`, `ray.get`) can swallow or garble an exception raised while they
wait. So every SIGTERM is also seen through the interpreter's wakeup fd, whoever's handler is
installed, and starts a watchdog: if the process still lives after `grace_s`, it stops every
process it started (SIGTERM, then SIGKILL) and exits 143 (128 + SIGTERM, what shells and
schedulers expect). A second SIGTERM does that at once. Dataset commits are atomic, so a forced
stop loses nothing a rerun will not redo.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from pathlib import Path

EXIT_CODE = 143


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread like Ctrl-C's KeyboardInterrupt."""


class Stopper:
    """SIGTERM handling for one command; `requested` tells `main` to exit 143."""

    def __init__(self, grace_s: float = 15.0) -> None:
        self.grace_s = grace_s
        self.requested = threading.Event()
        self._raised = False

    def install(self) -> None:
        """Call once, from the main thread, before anything else handles signals."""
        signal.signal(signal.SIGTERM, self.handle)
        read, write = os.pipe()
        os.set_blocking(write, False)
        signal.set_wakeup_fd(write, warn_on_full_buffer=False)
        threading.Thread(target=self._watch, args=(read,), name="assay-stop", daemon=True).start()

    def handle(self, signum: int, frame: object) -> None:
        self.requested.set()
        if not self._raised:  # a second SIGTERM is the watcher's to act on
            self._raised = True
            raise Terminated()

    def _watch(self, read: int) -> None:
        seen = 0
        while data := os.read(read, 64):
            seen += data.count(signal.SIGTERM)
            if seen == 1:
                self.requested.set()
                timer = threading.Timer(self.grace_s, force_exit)
                timer.daemon = True
                timer.start()
            elif seen > 1:
                force_exit()


def descendants(pid: int) -> list[int]:
    """Every live process below `pid` (Linux /proc; empty elsewhere), children first."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        below = children.get(todo.pop(0), [])
        found += below
        todo += below
    return found


def force_exit(wait_s: float = 3.0) -> None:
    """Stop every process this one started, then exit 143 without further cleanup."""
    procs = descendants(os.getpid())
    _send(procs, signal.SIGTERM)
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline and any(alive(p) for p in procs):
        time.sleep(0.05)
    _send(procs, signal.SIGKILL)
    os._exit(EXIT_CODE)


def _send(procs: list[int], sig: signal.Signals) -> None:
    for pid in procs:
        with contextlib.suppress(OSError):
            os.kill(pid, sig)


def alive(pid: int) -> bool:
    """Whether `pid` is running (a zombie counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
