"""The Linux calls the sandbox needs that Python 3.11 lacks (unshare, mount), and what this
machine allows. Used only inside the zygote and its children."""

from __future__ import annotations

import ctypes
import os

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18

# The interpreter's own symbols include libc. (`ctypes.util` would pull in `subprocess` and
# `threading`, whose fork hooks and pages would then cost every check its share.)
_libc = ctypes.CDLL(None, use_errno=True)
_libc.mount.argtypes = [ctypes.c_char_p] * 3 + [ctypes.c_ulong, ctypes.c_char_p]
_libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def unshare(flags: int) -> None:
    _check(_libc.unshare(ctypes.c_int(flags)), "unshare")


def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str = "") -> None:
    enc = lambda s: s.encode() if s is not None else None  # noqa: E731
    _check(
        _libc.mount(enc(source), enc(target), enc(fstype), flags, enc(data) if data else None),
        f"mount {target}",
    )


def mount_points() -> list[str]:
    """Every mount point this mount namespace sees, parents before children."""
    points = []
    with open("/proc/self/mountinfo") as handle:
        for line in handle:
            point = line.split()[4].encode().decode("unicode_escape")
            points.append(point)
    return sorted(set(points), key=len)


def make_read_only(skip: tuple[str, ...] = ()) -> None:
    """Remount every mount read-only (no suid, no devices), except those under `skip`."""
    for point in mount_points():
        if any(point == s or point.startswith(s.rstrip("/") + "/") for s in skip):
            continue
        try:
            mount(None, point, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_REC)
        except OSError:
            # Mounts we may not touch (locked in a user namespace, pseudo filesystems) stay as
            # they are; the private tmpfs and dropped privileges still apply.
            continue


def write_file(path: str, text: str) -> None:
    with open(path, "w") as handle:
        handle.write(text)


def set_parent_death_signal() -> None:
    """Die with the parent: a zygote must never outlive the process that owns it."""
    pr_set_pdeathsig = 1
    _libc.prctl(pr_set_pdeathsig, 9, 0, 0, 0)


def no_new_privileges() -> None:
    """No setuid binary or file capability can raise this process's privileges again."""
    pr_set_no_new_privs = 38
    _libc.prctl(pr_set_no_new_privs, 1, 0, 0, 0)


def drop_capabilities() -> None:
    """Lose every capability for good: a check that is uid 0 in a user namespace must not be able
    to remount, mount or regain privileges through exec."""
    pr_capbset_drop, pr_set_securebits = 24, 28
    cap = 0
    while _libc.prctl(pr_capbset_drop, cap, 0, 0, 0) == 0:
        cap += 1
    _check(_libc.prctl(pr_set_securebits, 0x3, 0, 0, 0), "prctl(SECBIT_NOROOT)")
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)
    data = (ctypes.c_uint32 * 6)()
    _check(_libc.capset(header, data), "capset")


def bind_read_only(source: str, target: str) -> None:
    """Make `source` visible, read-only, at `target` (created if missing)."""
    os.makedirs(target, exist_ok=True)
    mount(source, target, None, MS_BIND | MS_REC)
    mount(None, target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_REC)


def bind_writable(source: str, target: str) -> None:
    """Make `source` visible, writable (no suid, no devices), at `target` (created if missing)."""
    os.makedirs(target, exist_ok=True)
    mount(source, target, None, MS_BIND | MS_REC)
    mount(None, target, None, MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NODEV)


def set_child_subreaper() -> None:
    """Orphans of a check come back to the zygote, to be killed and reaped, not to the host."""
    pr_set_child_subreaper = 36
    _check(_libc.prctl(pr_set_child_subreaper, 1, 0, 0, 0), "prctl(PR_SET_CHILD_SUBREAPER)")
