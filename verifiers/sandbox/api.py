"""The sandbox seam: the only way model-written code runs.

Verifiers describe *what* to run (a trusted Python entry point with a payload, or a command over
some files) and *with which limits*; the sandbox decides *how* it is isolated and reports what
happened. It never judges correctness: that is the verifier's job.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

IsolationPolicy = Literal["warn", "require"]
# Layers a machine may refuse, by the names `SandboxOptions.refuse` takes: "namespaces" is the
# user, network, IPC, UTS and mount namespaces (entered together), "pid" the PID namespace,
# "cgroup" a writable memory cgroup (then `resident` commands fall back to RLIMIT_AS; not an
# isolation layer, so `require` does not refuse a machine without one).
REFUSABLE = frozenset({"namespaces", "pid", "cgroup"})


@dataclass(frozen=True)
class Limits:
    """Resource limits for one check. Validated when built."""

    wall_s: float = 10.0  # wall-clock timeout for the whole check
    cpu_s: float = 10.0  # RLIMIT_CPU
    memory_mb: int = 1024  # RLIMIT_AS, or resident memory for a `resident` command
    nproc: int = 32  # processes/threads the check may create
    fsize_mb: int = 16  # largest file it may write
    nofile: int = 64  # open file descriptors
    output_bytes: int = 64 * 1024  # stdout and stderr are each cut to this many bytes

    def __post_init__(self) -> None:
        for name in ("wall_s", "cpu_s", "memory_mb", "nproc", "fsize_mb", "nofile", "output_bytes"):
            if getattr(self, name) <= 0:
                raise ValueError(f"Limits.{name} must be > 0, got {getattr(self, name)!r}")


@dataclass(frozen=True)
class SandboxOptions:
    """How a sandbox treats a machine that cannot give full isolation. Validated when built.

    `isolation="warn"` runs with what the machine allows and says so once (`SANDBOX DEGRADED`);
    `"require"` refuses to start (`IsolationRefused`) naming what is missing. `refuse` makes the
    sandbox act as if this machine refused those layers (`REFUSABLE`), to drill the degraded path.
    """

    isolation: IsolationPolicy = "warn"
    refuse: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.isolation not in ("warn", "require"):
            raise ValueError(
                f"SandboxOptions.isolation must be 'warn' or 'require', got {self.isolation!r}"
            )
        object.__setattr__(self, "refuse", frozenset(self.refuse))
        unknown = sorted(self.refuse - REFUSABLE)
        if unknown:
            raise ValueError(
                f"SandboxOptions.refuse: unknown layers {unknown}; known: {sorted(REFUSABLE)}"
            )


@dataclass(frozen=True)
class Execution:
    """What happened to one sandboxed run. Raw facts only; no verdict."""

    exit_code: int | None  # None when killed by a signal or the timeout
    signal: int | None  # the signal that ended it, if any
    timed_out: bool  # wall or CPU limit hit
    memory_exceeded: bool  # address-space limit hit (MemoryError or allocation failure)
    stdout: bytes
    stderr: bytes
    channel: bytes  # what the trusted entry point wrote to its private result channel
    duration_s: float
    isolation: str  # e.g. "namespaces+rlimits", "rlimits-only"; recorded on every verdict
    files: dict[str, bytes] = field(default_factory=dict)  # requested output files from scratch
    cpu_s: float = 0.0  # CPU time the check used (user + system)
    # What bounded its memory: "cgroup-v1" / "cgroup-v2" (resident, for `resident` commands
    # where the machine allows) or "rlimit-as" (address space); recorded on verdicts.
    memory_limit: str = "rlimit-as"
    memory_peak: int = 0  # peak resident bytes, where a cgroup measured it


class Sandbox(Protocol):
    """One per worker process. Holds a single-threaded zygote that forks a child per check."""

    @property
    def isolation(self) -> str: ...

    def run_python(self, entry: str, payload: bytes, limits: Limits) -> Execution:
        """Fork a child from the warm zygote and call `entry` ("module:function") in it.

        The function is called as `function(payload: bytes, channel: int)`; it writes its results
        to the file descriptor `channel`, which the sandbox reads back into `Execution.channel`.
        """
        ...

    def run_command(
        self,
        argv: list[str],
        files: dict[str, bytes],
        limits: Limits,
        stdin: bytes = b"",
        collect: tuple[str, ...] = (),
        *,
        stdin_file: str = "",
        resident: bool = False,
        stack_mb: int = 0,
    ) -> Execution:
        """Write `files` into a fresh scratch dir, run `argv` there, return `collect`ed files
        (a name ending in `/`: every file under that folder). `stdin_file`: a file of `files`
        as standard input (any size; `stdin` is cut to a pipe's 64 KiB); `resident`: bound
        resident memory by a cgroup where the machine has one (else RLIMIT_AS, as without it);
        `stack_mb`: the main thread's stack limit."""
        ...

    def close(self) -> None: ...
