"""Serial C/C++ → OpenMP/CUDA translations co-verified with validated tests (MuSL-style)."""

from assay.verifiers.translation.config import TranslationConfig
from assay.verifiers.translation.items import TranslationItem, TranslationTest
from assay.verifiers.translation.verifier import TranslationChecker, TranslationVerifier

__all__ = [
    "TranslationChecker",
    "TranslationConfig",
    "TranslationItem",
    "TranslationTest",
    "TranslationVerifier",
]
