"""The registry's face of the Verilog check: `assay verify verilog` reads these input lines."""

from __future__ import annotations

from dataclasses import replace

from pydantic import BaseModel, ConfigDict, Field

from assay.schemas.records import Verdict
from assay.verifiers.registry import register
from assay.verifiers.sandbox import Limits, Sandbox
from assay.verifiers.verilog.config import SimConfig
from assay.verifiers.verilog.differential import check


class VerilogItem(BaseModel):
    """One input line; extra fields pass through to the output."""

    model_config = ConfigDict(extra="allow")

    id: str | int
    code: str  # candidate RTL defining `top`
    reference: str = Field(min_length=1)  # golden RTL defining `ref_top`
    top: str = "TopModule"
    ref_top: str = "RefModule"
    seed: int | None = Field(default=None, ge=0, lt=2**31)


@register("verilog")
class VerilogVerifier:
    """Differential simulation against the reference with the default stimulus plan."""

    name = "verilog"
    Item = VerilogItem
    config = SimConfig()

    def check(self, item: VerilogItem, sandbox: Sandbox, limits: Limits) -> Verdict:
        cfg = self.config if item.seed is None else replace(self.config, seed=item.seed)
        return check(
            str(item.id), item.code, item.reference, sandbox, limits, cfg, item.top, item.ref_top
        )
