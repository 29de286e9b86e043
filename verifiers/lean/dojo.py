"""Optional lean-dojo adapter: extract theorems from a traced repository (extra `lean-dojo`).

lean-dojo reads `NUM_PROCS` once at import and, when its worker count is above one, calls
`ray.init()` itself (asserting Ray is not running) — inside an assay Ray worker that fails.
So the module is imported lazily, only here, with `NUM_PROCS` forced to 1 first.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Any


class DojoUnavailable(RuntimeError):
    """lean-dojo is not installed, or was imported elsewhere with a Ray-starting NUM_PROCS."""


@dataclass(frozen=True)
class ExtractedTheorem:
    name: str
    file: str
    statement: str


def _lean_dojo() -> Any:
    if "lean_dojo" in sys.modules:
        constants = sys.modules.get("lean_dojo.constants")
        if constants is not None and getattr(constants, "NUM_WORKERS", 0) > 1:
            raise DojoUnavailable("lean_dojo was imported with NUM_PROCS > 2; it would start Ray")
        return sys.modules["lean_dojo"]
    os.environ["NUM_PROCS"] = "1"  # lean-dojo's own knob; NUM_WORKERS = NUM_PROCS - 1 = 0
    try:
        import lean_dojo
    except ImportError as exc:
        raise DojoUnavailable("lean-dojo is not installed: add the `lean` extra") from exc
    return lean_dojo


def theorems(url: str, commit: str) -> list[ExtractedTheorem]:
    """Every theorem of a traced repository (tracing builds it: long, needs a Lean toolchain)."""
    dojo = _lean_dojo()
    traced = dojo.trace(dojo.LeanGitRepo(url, commit))
    out = []
    for thm in traced.get_traced_theorems():
        out.append(
            ExtractedTheorem(thm.theorem.full_name, str(thm.file_path), thm.get_theorem_statement())
        )
    return out
