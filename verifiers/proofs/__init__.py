"""Pieces every proof verifier shares: comment/string lexing, forbidden-word rules, statement
reinsertion and the input item. Language-specific rules live in each backend (`coq`, ...)."""

from assay.verifiers.proofs.assemble import (
    Assembled,
    StatementError,
    assemble,
    normalize,
    theorem_name,
)
from assay.verifiers.proofs.item import ProofItem
from assay.verifiers.proofs.lexing import COQ, LEAN, LexError, Syntax, mask_strings, strip_comments
from assay.verifiers.proofs.rules import Problem, Rule, rulebook, scan_words, worst

__all__ = [
    "COQ",
    "LEAN",
    "Assembled",
    "LexError",
    "Problem",
    "ProofItem",
    "Rule",
    "StatementError",
    "Syntax",
    "assemble",
    "mask_strings",
    "normalize",
    "rulebook",
    "scan_words",
    "strip_comments",
    "theorem_name",
    "worst",
]
