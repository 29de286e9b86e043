"""The zygote: a warm, single-threaded Python that forks one isolated child per check.

Started by exec (never forked from its caller) with a scrubbed environment. It sets up its
isolation once: new network, IPC, UTS, mount and PID namespaces (a user namespace too when not
root), every mount read-only, private tmpfs over /tmp and the home folders, and a /proc of its
own. It then lives as PID 1 of that PID namespace, so a check pays only for a fork, and one
`kill(-1)` after each check removes whatever the check left behind. Requests and replies are
pickles on stdin/stdout; only the trusted parent talks to it.
"""

from __future__ import annotations

import gc
import importlib
import os
import random
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable
from typing import Any

from assay.verifiers.sandbox import linux
from assay.verifiers.sandbox.protocol import read_message, write_message
from assay.verifiers.sandbox.spare import Spare, SpareLost, fork_spare
from assay.verifiers.sandbox.watch import Reaper, run_check

PRIVATE = ("/tmp", "/root", "/home", "/dev/shm", "/var/tmp", "/run")


class Zygote:
    def __init__(self) -> None:
        self.missing: list[str] = []
        self.layers: list[str] = []
        self.uid = os.geteuid()
        self.pidns = False
        self.spare: Spare | None = None  # the next check's child, forked ahead of time

    @property
    def level(self) -> str:
        """The isolation level every Execution records, e.g. `ns(net,mount,pid)+uid+rlimits`."""
        head = f"ns({','.join(self.layers)})+" if self.layers else ""
        own_uid = self.uid not in (0, os.geteuid())
        return head + ("uid+" if own_uid else "") + "rlimits"

    def isolate(self) -> None:
        """Enter the namespaces once for the zygote's lifetime; record what worked."""
        root = os.geteuid() == 0
        flags = linux.CLONE_NEWNS | linux.CLONE_NEWNET | linux.CLONE_NEWIPC | linux.CLONE_NEWUTS
        try:
            if root:
                linux.unshare(flags)
            else:
                uid, gid = os.geteuid(), os.getegid()
                linux.unshare(flags | linux.CLONE_NEWUSER)
                linux.write_file("/proc/self/setgroups", "deny")
                linux.write_file("/proc/self/uid_map", f"0 {uid} 1")
                linux.write_file("/proc/self/gid_map", f"0 {gid} 1")
                self.uid = 0  # the one mapped uid; checks keep it but lose every capability
                self.layers.append("user")
        except OSError as exc:
            self.missing.append(f"namespaces ({exc.strerror}): network, mounts and /tmp shared")
            return
        self.layers += ["net", "ipc", "uts", "mount"]
        linux.mount(None, "/", None, linux.MS_REC | linux.MS_PRIVATE)
        linux.make_read_only()
        self._private_folders()
        if root:
            # A uid of its own per zygote: owns nothing on the host, and its process limit is
            # not shared with other sandboxes.
            self.uid = random.SystemRandom().randrange(200_000, 400_000)
        try:
            linux.unshare(linux.CLONE_NEWPID)
            self.pidns = True
            self.layers.append("pid")
        except OSError as exc:
            self.missing.append(f"pid namespace ({exc.strerror}): checks can see host processes")

    def _private_folders(self) -> None:
        keep = {p: os.open(p, os.O_PATH) for p in _needed_paths()}
        for point in PRIVATE:
            if not os.path.isdir(point):
                continue
            try:
                linux.mount(
                    "tmpfs", point, "tmpfs", linux.MS_NOSUID | linux.MS_NODEV, "mode=0755,size=256m"
                )
            except OSError as exc:
                self.missing.append(f"private {point} ({exc.strerror})")
                continue
            for path, fd in keep.items():
                if path.startswith(point.rstrip("/") + "/"):
                    linux.bind_read_only(f"/proc/self/fd/{fd}", path)
        for fd in keep.values():
            os.close(fd)

    def become_init(self) -> None:
        """Fork into the new PID namespace as its PID 1; the outer process only waits."""
        child = os.fork()
        if child:
            _, status = os.waitpid(child, 0)
            os._exit(os.waitstatus_to_exitcode(status) & 0xFF)
        linux.set_parent_death_signal()
        linux.mount("proc", "/proc", "proc", linux.MS_NOSUID | linux.MS_NODEV | 8)  # 8: noexec

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
        write_message(replies, {"isolation": self.level, "missing": self.missing})
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
        scratch = tempfile.mkdtemp(prefix="check-", dir="/tmp")
        os.chown(scratch, self.uid, self.uid)
        return fork_spare(scratch, self.uid)

    def check(
        self, req: dict[str, Any], reaper: Reaper
    ) -> tuple[dict[str, Any], Callable[[], None]]:
        """The reply, and the cleanup still owed before the next check."""
        try:
            return self._check_with(self._take_spare(), req, reaper)
        except SpareLost:  # killed while it waited (it never ran anything): once more, fresh
            return self._check_with(self._take_spare(), req, reaper)

    def _take_spare(self) -> Spare:
        spare, self.spare = self.spare or self._fork_spare(), None
        return spare

    def _check_with(
        self, spare: Spare, req: dict[str, Any], reaper: Reaper
    ) -> tuple[dict[str, Any], Callable[[], None]]:
        scratch = spare.scratch
        try:
            for name, data in req.get("files", {}).items():
                path = os.path.join(scratch, name)
                if os.path.relpath(path, scratch).startswith(".."):
                    raise ValueError(f"file name {name!r} leaves the scratch dir")
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "wb") as handle:
                    handle.write(data)
                if data.startswith((b"\x7fELF", b"#!")):  # a built binary or a script: runnable
                    os.chmod(path, 0o755)
            for base, dirs, files in os.walk(scratch):
                for name in [*dirs, *files, ""]:
                    os.chown(os.path.join(base, name), self.uid, self.uid)
            reply, owed = run_check(req, spare, reaper, lambda: self._fork_ahead(reaper))
            reply["files"] = _collect(scratch, req.get("collect", ()), req["limits"].output_bytes)
        except BaseException:
            spare.discard()
            shutil.rmtree(scratch, ignore_errors=True)
            raise

        def cleanup() -> None:
            owed()
            shutil.rmtree(scratch, ignore_errors=True)

        return reply, cleanup


def _needed_paths() -> list[str]:
    """Folders checks need even where the home and temp folders are hidden: the interpreter,
    the environment and this package (a checkout or venv may live under /root or /tmp)."""
    import assay.verifiers

    # The package's own folder (a checkout maps `assay.verifiers` to <checkout>/verifiers; an
    # installed wheel to site-packages/assay/verifiers): its parent holds every room.
    package_root = os.path.dirname(os.path.dirname(os.path.abspath(assay.verifiers.__file__)))
    paths = {sys.base_prefix, sys.prefix, package_root, *(p for p in sys.path if p)}
    real = sorted({os.path.realpath(p) for p in paths if os.path.isdir(p)}, key=len)
    real = [p for p in real if p not in PRIVATE and p != "/"]  # never un-hide a whole folder
    kept: list[str] = []
    for path in real:  # drop paths inside a path already kept
        if not any(path == k or path.startswith(k + "/") for k in kept):
            kept.append(path)
    return kept


def _collect(scratch: str, names: Any, cap: int) -> dict[str, bytes]:
    """Read back requested regular files; symlinks are not followed (they could point anywhere)."""
    files = {}
    for name in names:
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


def main() -> None:
    linux.set_parent_death_signal()
    linux.set_child_subreaper()
    zygote = Zygote()
    zygote.isolate()
    if zygote.pidns:
        zygote.become_init()
    zygote.serve([m for m in sys.argv[1:] if m])


if __name__ == "__main__":
    main()
