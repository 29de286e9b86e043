"""The proofs domain's run-config section (`proofs:`), read and hashed only by its runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from assay.flows.config_sections import RoleSampling, _Strict


class ConjectureConfig(RoleSampling):
    """STP-style round: `n` conjectures per seed statement, each filtered (it compiles, and its
    negation is not refuted by a cheap tactic), `proofs` attempts at each survivor; those whose
    pass rate is above 0 and at most `max_pass_rate` are kept as samples."""

    enabled: bool = False
    n: int = Field(default=2, ge=1, le=64)
    proofs: int = Field(default=4, ge=1, le=256)
    max_pass_rate: float = Field(default=0.5, gt=0, le=1)
    max_tokens: int = Field(default=160, ge=16)


class LeanRunConfig(_Strict):
    """Where the Lean verifier finds Lean: a built Lake project with the REPL (e.g.
    miniF2F-lean4 with Mathlib) and how to start the REPL in it. No project: `unsupported`."""

    project: Path | None = None
    command: list[str] = Field(default_factory=lambda: ["lake", "env", "repl"], min_length=1)
    strict: bool = False  # re-check every pass in a fresh, sandboxed Lean

    def options(self) -> dict[str, Any]:
        """What the verifier pool builds the Lean verifier from (`LeanVerifier.from_options`)."""
        return self.model_dump(mode="json")


class ProofsConfig(_Strict):
    """Settings only the proofs domain reads (ignored, and not hashed, for other domains)."""

    backend: Literal["coq", "lean"] = "coq"  # the registered verifier that checks the proofs
    lean: LeanRunConfig = Field(default_factory=LeanRunConfig)
    conjecture: ConjectureConfig = Field(default_factory=ConjectureConfig)

    @model_validator(mode="after")
    def _coq_conjectures(self) -> ProofsConfig:
        if self.conjecture.enabled and self.backend != "coq":
            raise ValueError("conjecture rounds need backend 'coq' (their filter is Coq's)")
        return self
