"""Real Lean: the same verifier over a real REPL in a real Lake project (opt in: -m lean).

Run where Lean exists: ASSAY_LEAN_PROJECT=<lake project with Mathlib and the REPL built>
(default ../shared/benchmarks/minif2f-lean4), `lake` on PATH, `uv run pytest -m lean tests/lean`.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from lean_standin import MINIF2F

from assay.schemas.records import Status
from assay.verifiers.lean import LeanConfig, LeanItem, LeanVerifier
from assay.verifiers.sandbox import Limits, open_sandbox

pytestmark = [
    pytest.mark.lean,
    pytest.mark.skipif(
        shutil.which("lake") is None or shutil.which("lean") is None,
        reason="needs a Lean 4 toolchain (lake/lean on PATH)",
    ),
]
HEADER = "import Mathlib\nset_option maxHeartbeats 400000\nopen Real Nat"


@pytest.mark.parametrize(
    ("statement", "proof", "status"),
    [
        ("theorem t_good (x : ℕ) : x + 0 = x := by sorry", "by simp", Status.PASS),
        ("theorem t_wrong (x : ℕ) : x + 0 = x + 1 := by sorry", "by simp", Status.FAIL),
        ("theorem t_sorry : (2 : ℕ) + 2 = 5 := by sorry", "by sorry", Status.CHEAT),
        ("theorem t_loop : (1 : ℕ) = 1 := by sorry", "by\n  repeat (skip; skip)\n  rfl", None),
    ],
)
def test_real_lean(statement: str, proof: str, status: Status | None) -> None:
    project = Path(os.environ.get("ASSAY_LEAN_PROJECT", MINIF2F))
    verifier = LeanVerifier(LeanConfig(project=project, strict=True))
    try:
        with open_sandbox() as box:
            item = LeanItem(id="t", statement=statement, proof=proof, header=HEADER)
            verdict = verifier.check(item, box, Limits(wall_s=60, cpu_s=60))
        if status is None:
            assert verdict.status in (Status.PASS, Status.TIMEOUT, Status.FAIL)
        else:
            assert verdict.status is status, verdict.evidence
    finally:
        verifier.close()
