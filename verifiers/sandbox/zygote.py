"""The zygote: a warm, single-threaded Python that forks one isolated child per check.

Started by exec (never forked from its caller) with a scrubbed environment. It enters its
isolation once (`namespaces.Isolation`) and then lives as PID 1 of its own PID namespace, so a
check pays only for a fork, and whatever a check leaves behind dies after it. Requests and
replies are pickles on stdin/stdout; only the trusted parent talks to it.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import os
import shutil
import stat
import sys
from collections.abc import Callable
from typing import Any

from assay.verifiers.sandbox import linux, memcg
from assay.verifiers.sandbox.namespaces import Isolation
from assay.verifiers.sandbox.protocol import read_message, write_message
from assay.verifiers.sandbox.spare import Spare, SpareLost, fork_spare
from assay.verifiers.sandbox.watch import Reaper, run_check


class Zygote(Isolation):
    """Serves checks one at a time, each in a child forked ahead of it (a spare)."""

    def __init__(self, refuse: list[str], cgroups: memcg.MemoryCgroups | None = None) -> None:
        super().__init__(refuse=refuse)
        self.spare: Spare | None = None  # the next check's child, forked ahead of time
        self.cgroups = cgroups  # resident-memory limits, where the machine lets us write one
        self.resident = False  # whether the last check was `resident`: then so is the next
        if cgroups is not None:
            self.rw_mounts = (cgroups.mount,)

    def serve(self, warm: list[str]) -> None:
        # The protocol moves off fds 0 and 1, so a stray print (from a warmed module) cannot
        # corrupt it; checks get their own 0, 1 and 2 anyway.
        requests, replies = os.dup(0), os.dup(1)
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(null, 1)
        os.close(null)
        for name in warm:
            importlib.import_module(name)
        reaper = Reaper(own_pid_namespace=self.pidns and os.getpid() == 1, uid=self.uid)
        # Everything imported so far is shared with each child: keep the collector off those
        # pages so a check does not copy them (copy-on-write faults dominate a check's cost).
        gc.freeze()
        hello = {"isolation": self.level, "missing": self.missing}
        hello["memory"] = self.cgroups.name if self.cgroups else "rlimit-as"
        hello["cgroup"] = self.cgroups.base if self.cgroups else ""
        write_message(replies, hello)
        self.spare = self._fork_spare()
        while (request := read_message(requests)) is not None:
            if request.get("kind") == "spare":  # which pid waits for the next check (tests)
                write_message(replies, {"pid": self.spare.pid if self.spare else None})
                continue
            owed: Callable[[], None] | None = None
            try:
                reply, owed = self.check(request, reaper)
            except Exception as exc:
                reply = {"error": f"{type(exc).__name__}: {exc}"}
            write_message(replies, reply)
            if owed is not None:  # the check's cleanup, while the caller reads the reply
                owed()
            if self.spare is None:  # not forked during the check: now, before the next request
                self.spare = self._fork_spare()
        if self.spare is not None:
            self.spare.discard()

    def _fork_ahead(self, reaper: Reaper) -> int:
        """While a check runs on the other core, fork the next one's child (where it survives
        the running check's cleanup); its pid, or 0."""
        if not reaper.spares_survive:
            return 0
        self.spare = self._fork_spare()
        return self.spare.pid

    def _fork_spare(self) -> Spare:
        scratch = f"/tmp/check-{os.urandom(6).hex()}"
        os.mkdir(scratch, 0o700)
        os.chown(scratch, self.uid, self.uid)
        spare = fork_spare(scratch, self.uid)
        if self.cgroups is not None and self.resident:
            # Into its cgroup now, off the next check's critical path (a move costs an RCU
            # grace period); a check that turns out not `resident` runs there unlimited.
            with contextlib.suppress(OSError):
                spare.cgroup = self.cgroups.open(spare.pid)
        return spare

    def check(
        self, req: dict[str, Any], reaper: Reaper
    ) -> tuple[dict[str, Any], Callable[[], None]]:
        """The reply, and the cleanup still owed before the next check."""
        self.resident = bool(req.get("resident"))
        try:
            return self._check_with(self._take_spare(), req, reaper)
        except SpareLost:  # killed while it waited (it never ran anything): once more, fresh
            return self._check_with(self._take_spare(), req, reaper)

    def _take_spare(self) -> Spare:
        spare, self.spare = self.spare or self._fork_spare(), None
        return spare

    def _write_files(self, scratch: str, files: dict[str, bytes]) -> None:
        """Put a command's input files in its scratch dir, owned by the check's uid."""
        if not files:
            return
        for name, data in files.items():
            path = os.path.join(scratch, name)
            if os.path.relpath(path, scratch).startswith(".."):
                raise ValueError(f"file name {name!r} leaves the scratch dir")
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as handle:
                handle.write(data)
            if data.startswith((b"\x7fELF", b"#!")):  # a built binary or a script: runnable
                os.chmod(path, 0o755)
        for base, dirs, names in os.walk(scratch):
            for name in [*dirs, *names, ""]:
                os.chown(os.path.join(base, name), self.uid, self.uid)

    def _check_with(
        self, spare: Spare, req: dict[str, Any], reaper: Reaper
    ) -> tuple[dict[str, Any], Callable[[], None]]:
        scratch = spare.scratch
        try:
            self._write_files(scratch, req.get("files", {}))
            ahead = lambda: self._fork_ahead(reaper)  # noqa: E731
            reply, owed = run_check(req, spare, reaper, ahead, self.cgroups)
            limits = req["limits"]  # a collected file is as large as the check could write it
            cap = max(limits.output_bytes, limits.fsize_mb * 1024 * 1024)
            reply["files"] = _collect(scratch, req.get("collect", ()), cap)
        except BaseException:
            spare.discard()
            if spare.cgroup and self.cgroups is not None:
                self.cgroups.close(spare.cgroup)
            _remove(scratch)
            raise

        def cleanup() -> None:
            owed()
            _remove(scratch)

        return reply, cleanup


def _remove(scratch: str) -> None:
    """Remove a check's scratch dir; most Python checks leave it empty."""
    try:
        os.rmdir(scratch)
    except OSError:
        shutil.rmtree(scratch, ignore_errors=True)


def _collect(scratch: str, names: Any, cap: int) -> dict[str, bytes]:
    """Read back requested regular files; symlinks are not followed (they could point anywhere).
    A name ending in `/` asks for every regular file under that folder (e.g. Java's classes)."""
    files = {}
    for name in _expand(scratch, names):
        path = os.path.join(scratch, name)
        if os.path.relpath(os.path.realpath(path), os.path.realpath(scratch)).startswith(".."):
            continue  # a link or a name that leads out of the scratch dir
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            continue
        try:
            if stat.S_ISREG(os.fstat(fd).st_mode):
                files[name] = os.read(fd, cap)
        finally:
            os.close(fd)
    return files


def _expand(scratch: str, names: Any) -> list[str]:
    """`names` with each folder (a name ending in `/`) replaced by the files under it."""
    out = []
    for name in names:
        if not name.endswith("/"):
            out.append(name)
            continue
        top = os.path.join(scratch, name)
        if os.path.islink(top.rstrip("/")) or not os.path.isdir(top):
            continue
        for base, _, found in os.walk(top):  # os.walk does not follow links to folders
            rel = os.path.relpath(base, scratch)
            out += [os.path.join(rel, f) for f in sorted(found)]
    return out


def main() -> None:
    """`python -m assay.verifiers.sandbox.zygote [--refuse=LAYER,...] [MODULE...]`."""
    linux.set_parent_death_signal()
    linux.set_child_subreaper()
    flags = [a for a in sys.argv[1:] if a.startswith("--refuse=")]
    refuse = [layer for flag in flags for layer in flag.split("=", 1)[1].split(",") if layer]
    tag = f"{os.getpid()}-{os.urandom(4).hex()}"
    # Before the mounts go read-only; "cgroup" refused drills the RLIMIT_AS fallback.
    cgroups = None if "cgroup" in refuse else memcg.detect(tag)
    zygote = Zygote(refuse, cgroups)
    zygote.enter()
    if zygote.pidns:
        zygote.become_init()
    zygote.serve([m for m in sys.argv[1:] if m and not m.startswith("--")])


if __name__ == "__main__":
    main()
