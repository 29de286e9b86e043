"""The translation domain's run-config section (`translation:`), read and hashed only by its
runs."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from assay.flows.config_sections import _Strict


class TranslationFlowConfig(_Strict):
    """Settings only the translation domain reads (ignored, and not hashed, for other domains).
    MuSL-style co-evolution: each of `rounds` rounds samples tests (validated on the source) and
    translations (co-verified against them); later rounds are shown the last round's failures."""

    rounds: int = Field(default=2, ge=1, le=10)  # tester + translator rounds, the first included
    target: Literal["openmp"] = "openmp"  # CUDA needs a GPU worker the flow does not start
