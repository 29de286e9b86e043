"""The zygote's isolation, entered once for its lifetime: new network, IPC, UTS, mount and PID
namespaces (a user namespace too when not root), every mount read-only, private tmpfs over /tmp
and the home folders (what checks need bound back read-only), and a /proc of its own, with the
zygote as PID 1. What the machine refuses is recorded, never skipped silently."""

from __future__ import annotations

import os
import sys

from assay.verifiers.sandbox import linux

PRIVATE = ("/tmp", "/root", "/home", "/dev/shm", "/var/tmp", "/run")


class Isolation:
    """What the zygote entered, and what this machine refused (said once, loudly, by the
    client; recorded on every verdict as `level`)."""

    def __init__(self) -> None:
        self.missing: list[str] = []
        self.layers: list[str] = []
        self.uid = os.geteuid()
        self.pidns = False

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
            self.uid = 200_000 + int.from_bytes(os.urandom(4), "little") % 200_000
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
