"""A run's sweeper: once the run's process has ended, however it ended, stop what it left.

Parent-death signals (`ops.lifetime`) cover what assay starts itself, but not what libraries
start beneath it: Ray's agents (children of the raylet) notice a dead raylet within seconds, then
wait a minute on the dead GCS before they exit. The sweeper is a small process of its own
session that keeps the run's process tree (pid and start time, read from /proc every second)
until a pipe whose only writer is the run's process reports end of file; it then stops every
process of that tree that still lives (SIGTERM, SIGKILL after a grace), and nothing else: a
process is the run's only if the run's process is its ancestor.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from assay.flows.stop import alive

Proc = tuple[int, int]  # pid and start time (a reused pid is another process)
_pipe: list[int] = []  # the write end, held open (never written) while this process lives


def start_sweeper() -> None:
    """Start this process's sweeper (once; Linux only)."""
    if _pipe or not sys.platform.startswith("linux"):
        return
    read, write = os.pipe()  # neither end is inherited by what this process starts
    subprocess.Popen(
        [sys.executable, "-m", "assay.flows.ops.sweeper", str(os.getpid()), str(read)],
        pass_fds=(read,), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True,  # holds none of the caller's pipes
    )  # fmt: skip
    os.close(read)
    _pipe.append(write)


def tree(root: int) -> set[Proc]:
    """Every live process below `root` (by parent links)."""
    parents: dict[Proc, int] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z":
            parents[(int(entry.name), int(fields[19]))] = int(fields[1])
    children: dict[int, list[Proc]] = {}
    for proc, parent in parents.items():
        children.setdefault(parent, []).append(proc)
    found: set[Proc] = set()
    todo = [root]
    while todo:
        for proc in children.get(todo.pop(), []):
            found.add(proc)
            todo.append(proc[0])
    return found


def _lives(proc: Proc) -> bool:
    try:
        fields = Path(f"/proc/{proc[0]}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return False
    return int(fields[19]) == proc[1] and alive(proc[0])


def sweep(root: int, fd: int, every_s: float = 1.0, grace_s: float = 2.0) -> None:
    """Follow `root`'s tree until `fd` reports end of file, then stop what is left of it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    me = os.getpid()
    known: set[Proc] = set()
    watch = select.poll()
    watch.register(fd, select.POLLIN)
    while True:
        known = {p for p in known if _lives(p)} | {p for p in tree(root) if p[0] != me}
        if watch.poll(every_s * 1000) and not os.read(fd, 64):
            break
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid, _ in [p for p in known if _lives(p)]:
            with contextlib.suppress(OSError):
                os.kill(pid, sig)
        deadline = time.monotonic() + grace_s
        while any(_lives(p) for p in known) and time.monotonic() < deadline:
            time.sleep(0.1)


if __name__ == "__main__":
    sweep(int(sys.argv[1]), int(sys.argv[2]))
