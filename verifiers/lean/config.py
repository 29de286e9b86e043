"""What the Lean verifier runs and how hard it may push: built and validated once, passed in."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from assay.verifiers.sandbox.api import IsolationPolicy

DEFAULT_AXIOMS = frozenset({"propext", "Classical.choice", "Quot.sound"})
DEFAULT_SEARCH_PATH = "/usr/local/bin:/usr/bin:/bin"


@dataclass(frozen=True)
class LeanConfig:
    """One Lean project and the REPL pool that serves it.

    `command` runs the REPL with `project` as its working directory (a Lake project whose
    dependencies are built, e.g. miniF2F-lean4 with Mathlib, and the REPL on its path).
    `project=None` means no toolchain is configured: every check is `unsupported`.
    """

    project: Path | None = None
    command: tuple[str, ...] = ("lake", "env", "repl")
    search_path: str | None = None  # where `command[0]` is looked up; None: this process's PATH
    env: tuple[tuple[str, str], ...] = ()  # extra environment for the REPL (e.g. ELAN_HOME)
    max_processes: int = 2  # live REPL processes, all headers together
    max_commands: int = 200  # recycle a process after this many commands (the REPL keeps envs)
    max_rss_mb: int = 12_288  # recycle a process whose resident memory grew past this
    header_timeout_s: float = 600.0  # importing a header (Mathlib: tens of seconds, cold: minutes)
    address_space_mb: int | None = None  # RLIMIT_AS; None because Lean maps .olean files
    fsize_mb: int = 256  # RLIMIT_FSIZE for the REPL (pickles, traces)
    # "require": start no REPL where the machine refuses a namespace ("warn": run, say so)
    isolation: IsolationPolicy = "warn"
    # more folders the isolated REPL reads (the project and toolchain are found already)
    read_paths: tuple[str, ...] = ()
    allowed_axioms: frozenset[str] = DEFAULT_AXIOMS
    strict: bool = False  # re-check every pass in a fresh process inside the sandbox
    strict_memory_mb: int = 32_768  # RLIMIT_AS of that sandboxed one-shot run
    extra_forbidden: tuple[str, ...] = field(default=())  # more banned words in proofs

    def __post_init__(self) -> None:
        if not self.command or not all(isinstance(a, str) and a for a in self.command):
            raise ValueError(f"LeanConfig.command must be non-empty strings, got {self.command!r}")
        for name in ("max_processes", "max_commands", "max_rss_mb", "fsize_mb", "strict_memory_mb"):
            if getattr(self, name) <= 0:
                raise ValueError(f"LeanConfig.{name} must be > 0, got {getattr(self, name)!r}")
        if self.header_timeout_s <= 0:
            raise ValueError(
                f"LeanConfig.header_timeout_s must be > 0, got {self.header_timeout_s}"
            )
        if self.isolation not in ("warn", "require"):
            raise ValueError(
                f"LeanConfig.isolation must be 'warn' or 'require', got {self.isolation!r}"
            )
        object.__setattr__(self, "read_paths", tuple(str(p) for p in self.read_paths))
        if self.address_space_mb is not None and self.address_space_mb <= 0:
            raise ValueError("LeanConfig.address_space_mb must be > 0 or None")
        if self.project is not None:
            object.__setattr__(self, "project", Path(self.project).resolve())
        object.__setattr__(self, "command", tuple(self.command))
        object.__setattr__(self, "allowed_axioms", frozenset(self.allowed_axioms))
