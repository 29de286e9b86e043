"""Shared material for the Coq tests: where miniF2F-rocq lives, and real proofs of a few of
its statements (written and checked by hand with Coq 8.16.1's standard library)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assay.verifiers.sandbox import Limits

MINIF2F = Path(__file__).resolve().parents[2].parent / "shared" / "benchmarks" / "minif2f-rocq"
# coqc loads the Reals library in ~0.5 s of CPU; the wall limit leaves room for a busy machine.
LIMITS = Limits(wall_s=60, cpu_s=30, memory_mb=2048)

NAT_HEADER = "Require Import Arith Lia."
NAT_STATEMENT = "Theorem add_zero : forall n : nat, n + 0 = n."

# Real proofs of miniF2F-rocq test statements, by theorem name.
PROOFS = {
    "mathd_algebra_171": "intros h. rewrite h. lra.",
    "mathd_algebra_359": "intros y h. lra.",
    "mathd_numbertheory_254": "reflexivity.",
    "mathd_numbertheory_299": "reflexivity.",
    "mathd_numbertheory_12": "reflexivity.",
    "mathd_algebra_141": "nra.",
}


def minif2f_root() -> Path:
    if not (MINIF2F / "test").is_dir():
        pytest.skip(f"miniF2F-rocq not found at {MINIF2F}")
    return MINIF2F
