"""The processes one started command is answerable for, read from /proc, for the tests that
SIGKILL a command and then look for what it left behind.

A process counts as the command's when it is below it (parent links, read while the command
lives), in its session (it is started as a session leader), or carries the marker the test put
in its environment (inherited by what it starts, even after a re-parenting to init). Other
processes on this shared machine never count. A process is named by pid and start time, so a
reused pid is not mistaken for a survivor.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

MARK = "ASSAY_TEST_OWNER"
Proc = tuple[int, int]  # pid, start time (clock ticks after boot)


def marked_env(**extra: str) -> tuple[dict[str, str], str]:
    """This process's environment without Prefect's or Ray's settings (the command starts its own
    servers), with a fresh marker; and the marker."""
    drop = ("PREFECT_", "RAY_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.pop("ASSAY_DATASET", None)
    mark = uuid.uuid4().hex
    env.update({MARK: mark, "PYTHONUNBUFFERED": "1", **extra})
    return env, mark


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`python -m assay.flows ARGS` in a session of its own, its output in `log`."""
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "assay.flows", *args],
            env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip


def _stat(pid: int) -> tuple[int, int, int, str] | None:
    """(parent, session, start time, state) of a live process, else None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[1]), int(fields[3]), int(fields[19]), fields[0]


def _marked(pid: int, mark: str) -> bool:
    try:
        return f"{MARK}={mark}".encode() in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return False


def owned(root: int, mark: str) -> dict[Proc, str]:
    """Every live process `root` answers for (itself excluded), with its command line."""
    table = {}
    for entry in Path("/proc").glob("[0-9]*"):
        pid = int(entry.name)
        if (info := _stat(pid)) is not None and info[3] != "Z":
            table[pid] = info
    children: dict[int, list[int]] = {}
    for pid, (ppid, *_) in table.items():
        children.setdefault(ppid, []).append(pid)
    below, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), []):
            below.add(child)
            todo.append(child)
    found = {}
    for pid, (_, sid, started, _) in table.items():
        if pid != root and (pid in below or sid == root or _marked(pid, mark)):
            found[(pid, started)] = cmdline(pid)
    return found


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:160]
    except OSError:
        return ""


def wait_for(proc: subprocess.Popen[bytes], mark: str, needles: list[str], log: Path,
             timeout_s: float = 240) -> dict[Proc, str]:  # fmt: skip
    """What `proc` answers for once a process whose command line holds each needle runs."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(
                f"the command ended ({proc.returncode}):\n{log.read_text()[-3000:]}"
            )
        now = owned(proc.pid, mark)
        if all(any(n in line for line in now.values()) for n in needles):
            return now
        time.sleep(0.3)
    raise AssertionError(f"never saw {needles} running; the log:\n{log.read_text()[-3000:]}")


def kill_and_survivors(
    proc: subprocess.Popen[bytes],
    mark: str,
    within_s: float = 10,
    sig: signal.Signals | None = signal.SIGKILL,
    end_s: float = 120,
) -> dict[Proc, str]:
    """Send `sig` to the command alone (not its group; None: let it end by itself), wait up to
    `end_s` for it to end, then up to `within_s` for everything it answered for to go; what is
    still there after that."""
    before = owned(proc.pid, mark)
    if sig is not None:
        proc.send_signal(sig)
    try:
        proc.wait(timeout=end_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise
    deadline = time.monotonic() + within_s
    while True:
        left = {p: c for p, c in {**before, **owned(proc.pid, mark)}.items() if _lives(p)}
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


def _lives(proc: Proc) -> bool:
    info = _stat(proc[0])
    return info is not None and info[2] == proc[1] and info[3] != "Z"


def report(left: dict[Proc, str]) -> str:
    return "\n".join(f"{pid} {command}" for (pid, _), command in sorted(left.items()))


def clean_up(left: dict[Proc, str]) -> None:
    """Kill what a failed test left: exactly those processes (pid and start time)."""
    for proc in left:
        if _lives(proc):
            try:
                os.kill(proc[0], signal.SIGKILL)
            except OSError:
                continue


def stop_group(proc: subprocess.Popen, grace_s: float) -> None:
    """Stop a command started in a session of its own as Ctrl-C would, its whole process
    group: SIGTERM, then SIGKILL if it has not exited within `grace_s`."""
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
