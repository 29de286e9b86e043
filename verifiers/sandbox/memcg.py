"""Resident-memory limits for checks that ask for them, through a memory cgroup (v1 or v2).

`RLIMIT_AS` bounds address space, which the JVM and Go reserve far beyond what they use, so it
stops them from starting. A memory cgroup bounds what a check really holds, and the kernel says
when its limit is what ended the check (an OOM kill in the cgroup's counters). The zygote finds
a cgroup it may write *before* it makes the file system read-only (that mount stays writable for
it; checks run as another uid or without capabilities and cannot write it), makes one folder of
its own there, and a folder per check below it. Where none is writable, `detect` gives None and
checks fall back to `RLIMIT_AS` (recorded as `rlimit-as` on every verdict).
"""

from __future__ import annotations

import contextlib
import os
import signal
import time

ROOT = "/sys/fs/cgroup"


def _read(path: str) -> str:
    try:
        with open(path) as handle:
            return handle.read()
    except OSError:
        return ""


def _write(path: str, text: str) -> None:
    with open(path, "w") as handle:
        handle.write(text)


def _counter(text: str, key: str) -> int:
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        if name == key and value.strip().isdigit():
            return int(value)
    return 0


class MemoryCgroups:
    """The zygote's own cgroup folder (`base`) and the per-check folders under it."""

    def __init__(self, version: int, mount: str, base: str) -> None:
        self.version = version
        self.mount = mount  # the cgroup file system's mount point: kept writable for the zygote
        self.base = base
        self._serial = 0

    @property
    def name(self) -> str:
        """What every verdict records as the memory limit that applied."""
        return f"cgroup-v{self.version}"

    def open(self, pid: int, limit_bytes: int = 0) -> str:
        """A fresh cgroup for one check holding `pid`, limited to `limit_bytes` resident (0:
        no limit yet, see `limit`); its folder. Moving a process into a cgroup waits for an RCU
        grace period (5-25 ms on a busy machine), so the zygote does it for a spare ahead of
        its check where it can (`Zygote._fork_spare`)."""
        self._serial += 1
        path = os.path.join(self.base, f"check-{self._serial}")
        os.mkdir(path)
        try:
            if limit_bytes:
                self.limit(path, limit_bytes)
            _write(os.path.join(path, "cgroup.procs"), str(pid))
        except OSError:
            self.close(path)
            raise
        return path

    def limit(self, path: str, limit_bytes: int) -> None:
        """Limit the cgroup at `path` to `limit_bytes` resident (swap included where the kernel
        accounts it; v1 wants the memory limit first, as memsw may not be below it)."""
        if self.version == 1:
            _write(os.path.join(path, "memory.limit_in_bytes"), str(limit_bytes))
            with contextlib.suppress(OSError):  # only with swap accounting
                _write(os.path.join(path, "memory.memsw.limit_in_bytes"), str(limit_bytes))
        else:
            _write(os.path.join(path, "memory.max"), str(limit_bytes))
            with contextlib.suppress(OSError):
                _write(os.path.join(path, "memory.swap.max"), "0")

    def report(self, path: str) -> tuple[bool, bool, int]:
        """Whether the kernel OOM-killed a process of the check, whether its usage reached the
        limit at all (then an allocation may have failed), and the peak resident bytes (0 where
        the kernel does not keep it)."""
        if self.version == 1:
            killed = _counter(_read(os.path.join(path, "memory.oom_control")), "oom_kill") > 0
            failed = _read(os.path.join(path, "memory.failcnt")).strip()
            hit = failed.isdigit() and int(failed) > 0
            peak = _read(os.path.join(path, "memory.max_usage_in_bytes")).strip()
        else:
            events = _read(os.path.join(path, "memory.events"))
            killed = _counter(events, "oom_kill") > 0
            hit = _counter(events, "max") > 0
            peak = _read(os.path.join(path, "memory.peak")).strip()
        return killed, killed or hit, int(peak) if peak.isdigit() else 0

    def close(self, path: str) -> None:
        """Kill whatever is still in the check's cgroup and remove it once empty (for about a
        second; after that it is left for `remove_tree`)."""
        for _ in range(1000):
            pids = [int(p) for p in _read(os.path.join(path, "cgroup.procs")).split()]
            for pid in pids:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            try:
                os.rmdir(path)
                return
            except OSError:  # a killed process not yet gone: the zygote's reaper waits for it
                time.sleep(0.001)


def _own_path(controller: str, root: str, proc: str) -> tuple[int, str] | None:
    """(cgroup version, this process's path in it) for `controller`, from `proc`."""
    v2 = None
    for line in _read(proc).splitlines():
        hid, names, path = line.split(":", 2)
        if controller in names.split(","):
            return 1, path
        if hid == "0" and names == "":
            v2 = path
    if v2 is not None and os.path.exists(os.path.join(root, "cgroup.controllers")):
        return 2, v2
    return None


def detect(tag: str, root: str = ROOT, proc: str = "/proc/self/cgroup") -> MemoryCgroups | None:
    """A folder of this process's own under its memory cgroup, made now (`tag` names it), where
    the machine lets this process write one with the memory controller; else None. `root` and
    `proc`: where the cgroup file systems are mounted and this process's membership is read."""
    found = _own_path("memory", root, proc)
    if found is None:
        return None
    version, own = found
    mount = os.path.join(root, "memory") if version == 1 else root
    parent = os.path.join(mount, own.strip("/"))
    if version == 2 and own.strip("/"):
        # v2 gives controllers only to cgroups without processes of their own, and ours holds
        # this process: the folder goes beside it, where its parent already delegates memory.
        if "memory" not in _read(os.path.join(parent, "cgroup.controllers")).split():
            return None
        parent = os.path.dirname(parent.rstrip("/"))
    base = os.path.join(parent, f"assay-sandbox-{tag}")
    try:
        subtree = os.path.join(parent, "cgroup.subtree_control")
        if version == 2 and "memory" not in _read(subtree).split():
            _write(subtree, "+memory")  # only the root cgroup gets here
        os.mkdir(base)
        if version == 2:
            _write(os.path.join(base, "cgroup.subtree_control"), "+memory")
    except OSError:
        with contextlib.suppress(OSError):
            os.rmdir(base)
        return None
    return MemoryCgroups(version, mount, base)


def remove_tree(base: str) -> None:
    """Remove a zygote's cgroup folder and any check folders left in it (after it died)."""
    with contextlib.suppress(OSError):
        for name in os.listdir(base):
            if name.startswith("check-"):
                MemoryCgroups(1, "", base).close(os.path.join(base, name))
        os.rmdir(base)
