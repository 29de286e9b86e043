"""Trusted launcher of one REPL process: isolate what this machine allows, then exec the REPL.

Run as `python -m assay.verifiers.lean.launch AS_MB FSIZE_MB -- argv...`. It cuts the network
(a new network namespace, inside a user namespace when not root) where the kernel allows, sets
`no_new_privs` and rlimits, writes one line `assay-launch <isolation>` to stdout so the pool can
record what was reached, and execs the REPL in place (same pid, same session).
"""

from __future__ import annotations

import os
import resource
import sys

from assay.verifiers.sandbox import linux


def _cut_network() -> str:
    uid, gid = os.getuid(), os.getgid()
    try:
        if uid == 0:
            linux.unshare(linux.CLONE_NEWNET)
            return "netns"
        linux.unshare(linux.CLONE_NEWUSER | linux.CLONE_NEWNET)
        linux.write_file("/proc/self/setgroups", "deny")
        linux.write_file("/proc/self/uid_map", f"{uid} {uid} 1")
        linux.write_file("/proc/self/gid_map", f"{gid} {gid} 1")
        return "userns+netns"
    except OSError:
        return ""


def main(args: list[str]) -> None:
    as_mb, fsize_mb, sep, *argv = args
    if sep != "--" or not argv:
        raise SystemExit("usage: launch AS_MB FSIZE_MB -- argv...")
    layers = [_cut_network()]
    linux.no_new_privileges()
    if as_mb != "none":
        size = int(as_mb) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (size, size))
    resource.setrlimit(resource.RLIMIT_FSIZE, (int(fsize_mb) << 20, int(fsize_mb) << 20))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    layers += ["no_new_privs", "rlimits", "pgroup-kill"]
    os.write(1, f"assay-launch {'+'.join(x for x in layers if x)}\n".encode())
    os.execvp(argv[0], argv)


if __name__ == "__main__":
    main(sys.argv[1:])
