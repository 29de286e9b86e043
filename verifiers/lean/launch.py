"""Trusted launcher of one REPL process: enter the sandbox's isolation, then exec the REPL.

Run as `python -m assay.verifiers.lean.launch SPEC_JSON -- argv...` (see
`ReplSandbox.command`; no module imports this one, so `-m` runs it fresh). It enters the same
namespaces as the sandbox's zygote (`namespaces.Isolation`): no network; its own mount namespace
with every mount read-only, empty private temp and home folders (the Lean project, the
toolchain and the interpreter bound back read-only), sealed read-only too but for one scratch
folder (`TMPDIR`); a PID namespace whose init is the REPL (everything the REPL starts dies with
it); a uid of its own (root) or no capabilities (user namespace); `no_new_privs` and rlimits. It
writes one line `assay-launch {json}` (level, missing layers, scratch) so the pool can record
and enforce what was reached, then execs the REPL (never, under `require`, if a layer is
missing).
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile

from assay.verifiers.sandbox import linux
from assay.verifiers.sandbox.child import drop_privileges
from assay.verifiers.sandbox.namespaces import PRIVATE, Isolation, fork_and_wait

REFUSED_EXIT = 78  # `require` and a layer is missing, or no access: the REPL never started
UNREADABLE = (
    "the REPL runs with a uid of its own, so the Lean project and toolchain must be readable by "
    "others (`chmod -R o+rX`; folders above them need o+x)"
)


def _limit(as_mb: int | None, fsize_mb: int) -> None:
    if as_mb is not None:
        size = as_mb << 20
        resource.setrlimit(resource.RLIMIT_AS, (size, size))
    resource.setrlimit(resource.RLIMIT_FSIZE, (fsize_mb << 20, fsize_mb << 20))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _seal(scratch: str) -> None:
    """Make the private temp and home folders read-only too, all but `scratch`: even as uid 0
    of a user namespace (which owns those tmpfs) the REPL then writes nowhere else."""
    for point in PRIVATE:
        flags = (
            linux.MS_BIND | linux.MS_REMOUNT | linux.MS_RDONLY | linux.MS_NOSUID | linux.MS_NODEV
        )
        try:
            linux.mount(None, point, None, flags)
        except OSError:
            continue  # not a mount of ours (absent, or its tmpfs was refused: then in `missing`)
    linux.bind_writable(scratch, scratch)


def main(args: list[str]) -> None:
    if len(args) < 3 or args[1] != "--":
        raise SystemExit("usage: launch SPEC_JSON -- argv...")
    spec, argv = json.loads(args[0]), args[2:]
    # Die with the process that owns the pool, even one killed with SIGKILL (a REPL busy on a
    # command would never read the EOF on its stdin); the REPL follows this process in turn.
    linux.set_parent_death_signal()
    iso = Isolation(keep=spec["readable"], writable=spec["writable"], refuse=spec["refuse"])
    iso.enter()
    private_tmp = "mount" in iso.layers and not any(
        m.startswith("private /tmp ") for m in iso.missing
    )
    scratch = tempfile.mkdtemp(prefix="repl-scratch-", dir="/tmp")  # the private /tmp, if any
    os.chown(scratch, iso.uid, iso.uid)
    if private_tmp:
        _seal(scratch)
    own_uid = iso.uid if iso.uid not in (0, os.geteuid()) else None  # killable by uid too
    hello = {
        "level": iso.level,
        "missing": iso.missing,
        "scratch": scratch,
        "private": private_tmp,
        "uid": own_uid,
    }
    os.write(1, f"assay-launch {json.dumps(hello)}\n".encode())
    if spec["require"] and iso.missing:
        os._exit(REFUSED_EXIT)
    if iso.pidns:
        iso.become_init()  # the REPL is PID 1: when it dies, the kernel kills all it started
    else:
        fork_and_wait()  # the REPL's parent death signal then follows this process, not a thread
    cwd = os.path.realpath(spec["cwd"])  # resolved again: the read-only bind, not the old mount
    os.environ["TMPDIR"] = scratch
    drop_privileges(iso.uid)
    _limit(spec["as_mb"], spec["fsize_mb"])
    try:
        os.chdir(cwd)
    except PermissionError:
        os.write(
            2, f"assay-launch: the REPL (uid {iso.uid}) cannot enter {cwd}: {UNREADABLE}\n".encode()
        )
        os._exit(REFUSED_EXIT)
    os.execvp(argv[0], argv)


if __name__ == "__main__":
    main(sys.argv[1:])
