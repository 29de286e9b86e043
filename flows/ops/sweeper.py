"""A run's sweeper: once the run's process has ended, however it ended, stop what it left.

Parent-death signals (`ops.lifetime`) cover what assay starts itself, but not what libraries
start beneath it: Ray's agents (children of the raylet) notice a dead raylet within seconds, then
wait a minute on the dead GCS before they exit. The sweeper is a small process of its own
session that waits for a pipe whose only writer is the run's process to report end of file, then
stops (SIGTERM, SIGKILL after a grace) every process that still lives of the run's: those it saw
below the run's process (its tree, read from /proc every second) and those that carry the run's
mark in their environment (what the run starts inherits it). Each covers the other's gap: a
process born within the last second is not in the tree yet but its environment is intact, while
an older one may have overwritten its environment block with its title (`ray::...`). Nothing
else is touched.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from assay.flows.stop import alive

MARK = "ASSAY_RUN_MARK"  # the marks of the runs a process belongs to (nested: serve, then run)
SWEEPER = "ASSAY_SWEEPER"  # set on sweepers: each ends with its own run, none stops another
Proc = tuple[int, int]  # pid and start time (a reused pid is another process)
_pipe: list[int] = []  # the write end, held open (never written) while this process lives


def start_sweeper() -> None:
    """Start this process's sweeper and mark what it starts from now on (once; Linux only)."""
    if _pipe or not sys.platform.startswith("linux"):
        return
    mark = uuid.uuid4().hex
    read, write = os.pipe()  # neither end is inherited by what this process starts
    env = {k: v for k, v in os.environ.items() if k != MARK}
    subprocess.Popen(
        [sys.executable, "-m", "assay.flows.ops.sweeper", str(os.getpid()), str(read), mark],
        pass_fds=(read,), env={**env, SWEEPER: "1"},
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,  # holds none of the caller's pipes, gets none of its signals
    )  # fmt: skip
    os.close(read)
    _pipe.append(write)
    os.environ[MARK] = ",".join(filter(None, [os.environ.get(MARK, ""), mark]))


def _table() -> dict[Proc, int]:
    """Every live process (pid and start time) with its parent's pid."""
    parents: dict[Proc, int] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z":
            parents[(int(entry.name), int(fields[19]))] = int(fields[1])
    return parents


def tree(root: int) -> set[Proc]:
    """Every live process below `root` (by parent links)."""
    children: dict[int, list[Proc]] = {}
    for proc, parent in _table().items():
        children.setdefault(parent, []).append(proc)
    found: set[Proc] = set()
    todo = [root]
    while todo:
        for proc in children.get(todo.pop(), []):
            found.add(proc)
            todo.append(proc[0])
    return found


def _environ(pid: int) -> dict[str, str]:
    """What /proc shows of a process's environment (nothing for other users' processes)."""
    try:
        block = Path(f"/proc/{pid}/environ").read_bytes().decode(errors="replace")
    except OSError:
        return {}
    return dict(item.split("=", 1) for item in block.split("\0") if "=" in item)


def marked(mark: str) -> set[Proc]:
    """Live processes whose environment carries `mark`."""
    return {p for p in _table() if mark in _environ(p[0]).get(MARK, "").split(",")}


def _lives(proc: Proc) -> bool:
    try:
        fields = Path(f"/proc/{proc[0]}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return False
    return int(fields[19]) == proc[1] and alive(proc[0])


def sweep(root: int, fd: int, mark: str, every_s: float = 1.0, grace_s: float = 2.0) -> None:
    """Follow `root`'s tree until `fd` reports end of file, then stop what is left of the run."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    known: set[Proc] = set()
    watch = select.poll()
    watch.register(fd, select.POLLIN)
    while True:
        known = {p for p in known if _lives(p)} | tree(root)
        if watch.poll(every_s * 1000) and not os.read(fd, 64):
            break
    for sig in (signal.SIGTERM, signal.SIGKILL):
        left = {p for p in known | marked(mark) if _lives(p) and SWEEPER not in _environ(p[0])}
        for pid, _ in left:
            with contextlib.suppress(OSError):
                os.kill(pid, sig)
        deadline = time.monotonic() + grace_s
        while any(_lives(p) for p in left) and time.monotonic() < deadline:
            time.sleep(0.1)


if __name__ == "__main__":
    sweep(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3])
