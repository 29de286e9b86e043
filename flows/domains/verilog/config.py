"""The verilog domain's run-config section (`verilog:`), read and hashed only by its runs."""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from assay.flows.config_sections import RoleSampling, _Strict
from assay.verifiers.verilog.config import SimConfig


class RoundTripConfig(RoleSampling):
    """CodeV-R1's round-trip filter: passing RTL → a spec written by the model → RTL again from
    that spec; the (spec, original RTL) pair is kept when the two designs are equivalent."""

    enabled: bool = False
    n: int = Field(default=1, ge=1, le=16)  # regenerations per spec
    temperature: float = Field(default=0.2, ge=0, le=2)
    max_tokens: int = Field(default=384, ge=16)


class SimSettings(_Strict):
    """The Verilog verifier's stimulus plan (its `SimConfig`); a field left unset keeps the
    verifier's own default."""

    episodes: int | None = Field(default=None, ge=1)  # each starts with a reset phase
    cycles: int | None = Field(default=None, ge=1)  # random cycles per episode
    reset_cycles: int | None = Field(default=None, ge=0)
    reset_rate: float | None = Field(default=None, ge=0, le=1)
    x_is_dont_care: bool | None = None  # reference bits that are X match anything
    deep_episodes: int | None = Field(default=None, ge=0)  # one reset, then inputs held
    deep_cycles: int | None = Field(default=None, ge=1)  # shortest deep episode
    deep_budget: int | None = Field(default=None, ge=0)  # most cycles of all deep episodes

    def options(self) -> dict[str, Any]:
        """What the verifier pool builds the verifier from (`VerilogVerifier.from_options`)."""
        return self.model_dump(mode="json", exclude_none=True)

    @model_validator(mode="after")
    def _a_valid_plan(self) -> SimSettings:
        SimConfig(**self.options())  # fields that only fail together (the deep budget)
        return self


class VerilogConfig(_Strict):
    """Settings only the verilog domain reads (ignored, and not hashed, for other domains)."""

    ports_in_prompt: bool = True  # list the reference's exact ports under the spec
    roundtrip: RoundTripConfig = Field(default_factory=RoundTripConfig)
    sim: SimSettings = Field(default_factory=SimSettings)
    formal: bool = False  # also the yosys tier (the `verilog-formal` verifier); slower
    # Only a proof passes: a design whose bounded check is inconclusive is `not_verified`
    # (`verilog-proof`). Needs `formal`.
    require_proof: bool = False

    @model_validator(mode="after")
    def _proof_needs_formal(self) -> VerilogConfig:
        if self.require_proof and not self.formal:
            raise ValueError("verilog.require_proof needs verilog.formal: true (the yosys tier)")
        return self

    @property
    def verifier(self) -> str:
        if self.require_proof:
            return "verilog-proof"
        return "verilog-formal" if self.formal else "verilog"

    def hashed(self) -> dict[str, Any]:
        """What goes into the run id: settings added later count only when set, so a run's id
        stays what it was for configs that do not use them."""
        data = self.model_dump(mode="json")
        if not self.sim.options():
            data.pop("sim")
        else:
            for added in ("deep_episodes", "deep_cycles", "deep_budget"):
                if data["sim"][added] is None:
                    del data["sim"][added]
        if not self.formal:
            data.pop("formal")
        if not self.require_proof:
            data.pop("require_proof")
        return data
