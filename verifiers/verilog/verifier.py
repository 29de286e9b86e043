"""The registry's face of the Verilog check: `assay verify verilog` reads these input lines.

A line carries a `reference` (golden RTL), a model-written `testbench`, or both:
- reference only: the candidate `code` against the golden (differential simulation);
- reference + testbench, no code: is the testbench acceptable (`tbcheck.accept`)? PASS = yes;
- reference + testbench + code: the testbench must be accepted, then the candidate must pass
  both the differential check and the testbench;
- testbench only: the testbench is taken as already accepted; the candidate must pass it.
`verilog-formal` is the same with the yosys tier after a passing simulation; `verilog-proof`
also requires a proof (an inconclusive formal tier is `not_verified`, not a pass).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from assay.schemas.records import Verdict
from assay.verifiers.registry import Registered, register
from assay.verifiers.sandbox import Limits, Sandbox
from assay.verifiers.verilog.config import FormalConfig, SimConfig
from assay.verifiers.verilog.differential import check
from assay.verifiers.verilog.tbcheck import accept, judge


class VerilogItem(BaseModel):
    """One input line; extra fields pass through to the output."""

    model_config = ConfigDict(extra="allow")

    id: str | int
    code: str = ""  # candidate RTL defining `top` ("" only when a testbench is being accepted)
    reference: str | None = Field(default=None, min_length=1)  # golden RTL defining `ref_top`
    testbench: str | None = Field(default=None, min_length=1)  # model-written, instantiates top
    top: str = "TopModule"
    ref_top: str = "RefModule"
    seed: int | None = Field(default=None, ge=0, lt=2**31)

    @model_validator(mode="after")
    def _something_to_check(self) -> VerilogItem:
        if self.reference is None and self.testbench is None:
            raise ValueError("a line needs a reference, a testbench, or both")
        if not self.code and (self.reference is None or self.testbench is None):
            raise ValueError("code is required unless a testbench is checked against a reference")
        return self


# tier "simulation": a verdict the formal tier decided (proof, counterexample) says "formal"
# version 2: deep episodes
@register("verilog", VerilogItem, tier="simulation", version=2)
class VerilogVerifier(Registered):
    """Differential simulation against the reference with the default stimulus plan."""

    config = SimConfig()
    formal: FormalConfig | None = None

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> VerilogVerifier:
        """From plain options (a run config's `verilog.sim`): `SimConfig` fields."""
        fields: dict[str, Any] = {
            k: tuple(v) if isinstance(v, list) else v for k, v in options.items()
        }
        verifier = cls()
        try:
            verifier.config = SimConfig(**fields)
        except TypeError as exc:
            raise ValueError(f"Verilog verifier options: {exc}") from None
        return verifier

    def check(self, item: VerilogItem, sandbox: Sandbox, limits: Limits) -> Verdict:
        cfg = self.config if item.seed is None else replace(self.config, seed=item.seed)
        cid, top, ref_top = str(item.id), item.top, item.ref_top
        if item.testbench is None:
            assert item.reference is not None
            return check(cid, item.code, item.reference, sandbox, limits, cfg, top, ref_top,
                         self.formal)  # fmt: skip
        if item.reference is None:
            return judge(cid, item.code, item.testbench, sandbox, limits, cfg, top)
        verdict = accept(cid, item.testbench, item.reference, sandbox, limits, cfg, top, ref_top)
        if not item.code or verdict.status.value != "pass":
            return verdict
        verdict = check(cid, item.code, item.reference, sandbox, limits, cfg, top, ref_top,
                        self.formal)  # fmt: skip
        if verdict.status.value != "pass":
            return verdict
        return judge(cid, item.code, item.testbench, sandbox, limits, cfg, top, item.reference,
                     ref_top)  # fmt: skip


@register("verilog-formal")
class VerilogFormalVerifier(VerilogVerifier):
    """`verilog` plus the yosys tier: synth/lint, then SAT / induction equivalence."""

    formal = FormalConfig()


@register("verilog-proof")
class VerilogProofVerifier(VerilogFormalVerifier):
    """`verilog-formal` where only a proof passes: an inconclusive bounded check (induction not
    closed within the depth, a timeout) is `not_verified` instead of the simulation's pass."""

    formal = FormalConfig(require_proof=True)
