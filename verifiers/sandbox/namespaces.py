"""The zygote's isolation, entered once for its lifetime: new network, IPC, UTS, mount and PID
namespaces (a user namespace too when not root), every mount read-only, private tmpfs over /tmp
and the home folders (what checks need bound back read-only), and a /proc of its own, with the
zygote as PID 1. What the machine refuses is recorded, never skipped silently. The Lean REPL
launcher enters the same isolation, with its project bound back read-only."""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Iterable

from assay.verifiers.sandbox import linux

PRIVATE = ("/tmp", "/root", "/home", "/dev/shm", "/var/tmp", "/run")


class Isolation:
    """What the zygote entered, and what this machine refused (said once, loudly, by the
    client; recorded on every verdict as `level`)."""

    def __init__(
        self,
        keep: Iterable[str] = (),
        writable: Iterable[str] = (),
        refuse: Iterable[str] = (),
    ) -> None:
        """`keep`: folders to bind back read-only where home and temp folders are hidden (beyond
        what Python and this package need); `writable`: trusted folders bound back writable;
        `refuse`: layers to act as if the kernel refused (`api.REFUSABLE`), to drill that path."""
        self.missing: list[str] = []
        self.layers: list[str] = []
        self.uid = os.geteuid()
        self.pidns = False
        self.keep = tuple(os.path.abspath(p) for p in keep)
        self.writable = tuple(os.path.realpath(p) for p in writable)
        self.refuse = frozenset(refuse)
        self.rw_mounts: tuple[str, ...] = ()  # mounts left writable (the zygote's cgroup fs)

    def _unshare(self, flags: int, layer: str) -> None:
        if layer in self.refuse:
            raise OSError(errno.EPERM, f"refused by SandboxOptions.refuse ({layer})")
        linux.unshare(flags)

    @property
    def level(self) -> str:
        """The isolation level every Execution records, e.g. `ns(net,mount,pid)+uid+rlimits`."""
        head = f"ns({','.join(self.layers)})+" if self.layers else ""
        own_uid = self.uid not in (0, os.geteuid())
        return head + ("uid+" if own_uid else "") + "rlimits"

    def enter(self) -> None:
        """Enter the namespaces once for the zygote's lifetime; record what worked."""
        root = os.geteuid() == 0
        flags = linux.CLONE_NEWNS | linux.CLONE_NEWNET | linux.CLONE_NEWIPC | linux.CLONE_NEWUTS
        try:
            if root:
                self._unshare(flags, "namespaces")
            else:
                uid, gid = os.geteuid(), os.getegid()
                self._unshare(flags | linux.CLONE_NEWUSER, "namespaces")
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
        linux.make_read_only(skip=self.rw_mounts)
        self._private_folders()
        if root:
            # A uid of its own per zygote: owns nothing on the host, and its process limit is
            # not shared with other sandboxes.
            self.uid = 200_000 + int.from_bytes(os.urandom(4), "little") % 200_000
        try:
            self._unshare(linux.CLONE_NEWPID, "pid")
            self.pidns = True
            self.layers.append("pid")
        except OSError as exc:
            self.missing.append(f"pid namespace ({exc.strerror}): checks can see host processes")

    def _private_folders(self) -> None:
        keep = {p: os.open(p, os.O_PATH) for p in _needed_paths(self.keep)}
        rw = {p: os.open(p, os.O_PATH) for p in self.writable if os.path.isdir(p)}
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
        for path, fd in rw.items():  # last, so a writable folder inside a kept one stays so
            linux.bind_writable(f"/proc/self/fd/{fd}", path)
        for fd in [*keep.values(), *rw.values()]:
            os.close(fd)

    def become_init(self) -> None:
        """Fork into the new PID namespace as its PID 1; the outer process only waits."""
        fork_and_wait()
        linux.mount("proc", "/proc", "proc", linux.MS_NOSUID | linux.MS_NODEV | 8)  # 8: noexec


def fork_and_wait() -> None:
    """Go on in a child that dies with this process; this one only waits for it and exits with
    its status (giving the child its stdin and stdout, so they end when the child ends)."""
    child = os.fork()
    if child:
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(null, 1)
        _, status = os.waitpid(child, 0)
        os._exit(os.waitstatus_to_exitcode(status) & 0xFF)
    linux.set_parent_death_signal()


def _needed_paths(extra: tuple[str, ...] = ()) -> list[str]:
    """Folders checks need even where the home and temp folders are hidden: the interpreter,
    the environment and this package (a checkout or venv may live under /root or /tmp), and
    `extra`."""
    import assay.verifiers

    # The package's own folder (a checkout maps `assay.verifiers` to <checkout>/verifiers; an
    # installed wheel to site-packages/assay/verifiers): its parent holds every room.
    package_root = os.path.dirname(os.path.dirname(os.path.abspath(assay.verifiers.__file__)))
    paths = {sys.base_prefix, sys.prefix, package_root, *(p for p in sys.path if p), *extra}
    real = sorted({os.path.realpath(p) for p in paths if os.path.isdir(p)}, key=len)
    real = [p for p in real if p not in PRIVATE and p != "/"]  # never un-hide a whole folder
    kept: list[str] = []
    for path in real:  # drop paths inside a path already kept
        if not any(path == k or path.startswith(k + "/") for k in kept):
            kept.append(path)
    return kept
