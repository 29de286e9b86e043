"""Lean 4 proofs checked by a pool of leanprover-community/repl processes (see README.md)."""

from assay.verifiers.lean.config import LeanConfig
from assay.verifiers.lean.pool import HeaderFailed, PoolLimits, ReplPool
from assay.verifiers.lean.process import ReplDied, ReplProcess, ReplTimeout
from assay.verifiers.lean.verifier import LeanItem, LeanVerifier

__all__ = [
    "HeaderFailed",
    "LeanConfig",
    "LeanItem",
    "LeanVerifier",
    "PoolLimits",
    "ReplDied",
    "ReplPool",
    "ReplProcess",
    "ReplTimeout",
]
