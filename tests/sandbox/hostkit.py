"""Checks that the host came through a hostile check unharmed, and shared constants."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from assay.flows.stop import descendants
from assay.verifiers.sandbox import Limits, ZygoteSandbox

HERE = Path(__file__).parent
SECRET = "assay-secret-" + secrets.token_hex(8)
QUICK = Limits(wall_s=5, cpu_s=3, memory_mb=512, nproc=16, output_bytes=4096)


def inner_pid(pid: int) -> int:
    """`pid` as its innermost PID namespace numbers it (the sandbox reports pids that way)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return -1
    return int(status.split("NSpid:")[1].split("\n")[0].split()[-1])


def processes_of(uid: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and os.stat(f"/proc/{entry}").st_uid == uid:
                pids.append(int(entry))
        except OSError:
            continue
    return pids


class Host:
    """What the suite checks after every hostile case."""

    def __init__(self, box: ZygoteSandbox) -> None:
        self.box = box
        ex = box.run_python("sandbox_entries:run_code", b"import os; print(os.getuid())", QUICK)
        self.uid = int(ex.stdout)
        self.tmp_before = set(os.listdir("/tmp"))

    def assert_unharmed(self) -> None:
        zygote = self.box._proc
        assert zygote is not None and zygote.poll() is None, "the zygote died"
        # The zygote keeps itself as PID 1 of its namespace, and the child forked ahead for the
        # next check (waiting for its request, still with the zygote's uid); nothing else.
        spare = self.box.spare_pid()
        kept = [p for p in descendants(zygote.pid) if inner_pid(p) != spare]
        assert len(kept) == 1, "a process outlived its check"
        assert processes_of(self.uid) == [], "a process with the check's uid is still running"
        owned = [n for n in os.listdir("/tmp") if _owner(f"/tmp/{n}") == self.uid]
        assert owned == [], f"the check left files in /tmp: {owned}"
        ex = self.box.run_python("sandbox_entries:echo", b"still-working", QUICK)
        assert (ex.exit_code, ex.channel) == (0, b"still-working"), "the next check broke"


def _owner(path: str) -> int:
    try:
        return os.lstat(path).st_uid
    except OSError:
        return -1
