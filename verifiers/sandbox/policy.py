"""What a sandbox does when the machine refuses some isolation: warn once and run with the level
reached (`warn`, the default), or refuse to run any check (`require`). Shared by the zygote's
client and the Lean REPL launcher, so both say the same thing about the same machine."""

from __future__ import annotations

import logging
import os
import threading

from assay.verifiers.sandbox.api import IsolationPolicy

log = logging.getLogger("assay.sandbox")
_warned: set[str] = set()
_warn_lock = threading.Lock()

_AS_ROOT = (
    "the sandbox runs as root here, so it needs CAP_SYS_ADMIN and a seccomp/AppArmor profile "
    "that allows unshare(2) and mount(2): in Docker `--cap-add SYS_ADMIN --security-opt "
    "seccomp=unconfined --security-opt apparmor=unconfined` (or `--privileged`)"
)
_AS_USER = (
    "the sandbox runs as an unprivileged user here, so it needs unprivileged user namespaces: "
    "`sysctl -w kernel.unprivileged_userns_clone=1` (Debian-patched kernels), "
    "`user.max_user_namespaces` above 0, and where AppArmor restricts them (Ubuntu 23.10+) "
    "`sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`; in a container, a seccomp "
    "profile that allows unshare(2)"
)
_PROC = (
    "the PID namespace also mounts a fresh /proc, which container runtimes that mask parts of "
    "/proc refuse (Docker: `--security-opt systempaths=unconfined`)"
)


class IsolationRefused(RuntimeError):
    """`isolation: require` and this machine cannot give full isolation: nothing was run.

    Not a `SandboxError`: retrying on the same machine cannot help, so it stops the run."""


def advice(missing: list[str], root: bool) -> str:
    """What to change on this machine to get the missing layers."""
    parts = [_AS_ROOT if root else _AS_USER]
    if any(m.startswith("pid") for m in missing):
        parts.append(_PROC)
    return "; ".join(parts) + ". Or run sandbox workers in a VM per node (see infra/)."


def enforce(policy: IsolationPolicy, missing: list[str], level: str, what: str = "sandbox") -> None:
    """Refuse (`require`) or warn once (`warn`) when `missing` names layers this machine refused;
    `level` is what was reached (recorded on every verdict either way)."""
    if not missing:
        return
    named = "; ".join(missing)
    todo = advice(missing, os.geteuid() == 0)
    if policy == "require":
        raise IsolationRefused(
            f"verify.isolation is 'require' but this machine does not allow {named} "
            f"(the {what} would run with isolation level {level!r}), so no check runs. "
            f"To get full isolation: {todo} To run degraded anyway, set verify.isolation: warn."
        )
    key = f"{what}:{named}"
    with _warn_lock:
        if key in _warned:
            return
        _warned.add(key)
    log.warning(
        "SANDBOX DEGRADED: this machine does not allow %s. The %s runs with isolation level %r "
        "(recorded on every verdict; set verify.isolation: require to refuse instead). "
        "To get full isolation: %s",
        named,
        what,
        level,
        todo,
    )
