"""Coq proofs verified by coqc in the sandbox, with an assumption audit assay runs itself."""

from assay.verifiers.coq.build import statement_compiles
from assay.verifiers.coq.check import check
from assay.verifiers.coq.config import STDLIB_CLASSICAL, CoqConfig
from assay.verifiers.coq.conjecture import StatementVerifier
from assay.verifiers.coq.screen import Screened, screen
from assay.verifiers.coq.statement import theorem_name
from assay.verifiers.coq.verifier import CoqItem, CoqVerifier
from assay.verifiers.tools import ToolMissing

__all__ = [
    "STDLIB_CLASSICAL",
    "CoqConfig",
    "CoqItem",
    "CoqVerifier",
    "Screened",
    "StatementVerifier",
    "ToolMissing",
    "check",
    "screen",
    "statement_compiles",
    "theorem_name",
]
