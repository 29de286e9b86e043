"""How a Lean REPL process is isolated: what it may read and write, and what a machine that
cannot give full isolation gets. Turned into the trusted launcher's argv (`launch.py`)."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field

from assay.verifiers.sandbox.api import SandboxOptions


@dataclass(frozen=True)
class ReplSandbox:
    """Where a REPL process may read and write, and what a machine without full isolation gets.

    `readable`: folders the REPL needs (the Lean project is always added; the toolchain comes
    from `toolchain.resolve`), visible read-only even under the hidden home and temp folders.
    `writable`: trusted folders it may write besides its scratch; none by default."""

    readable: tuple[str, ...] = ()
    writable: tuple[str, ...] = ()
    options: SandboxOptions = field(default_factory=SandboxOptions)

    def command(self, cwd: str, address_space_mb: int | None, fsize_mb: int) -> list[str]:
        """The launcher's argv, to be followed by the REPL's own argv."""
        spec = {
            "cwd": cwd,
            "as_mb": address_space_mb,
            "fsize_mb": fsize_mb,
            "readable": [cwd, *self.readable],
            "writable": list(self.writable),
            "refuse": sorted(self.options.refuse),
            "require": self.options.isolation == "require",
        }
        return [sys.executable, "-m", "assay.verifiers.lean.launch", json.dumps(spec), "--"]
