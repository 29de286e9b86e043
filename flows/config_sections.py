"""The run config's shared sections: tasks, generator, role sampling, verification, selection,
Ray. Each is a frozen pydantic model that forbids unknown keys (a typo is an error)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Domain = Literal["code", "verilog", "proofs", "translation"]
FORMATS_OF: dict[str, frozenset[str]] = {  # task file formats each domain can read
    "code": frozenset({"assay", "humaneval", "mbpp"}),
    "verilog": frozenset({"assay", "verilogeval"}),
    "proofs": frozenset({"assay", "minif2f-coq", "minif2f-lean"}),
    "translation": frozenset({"assay", "pareval"}),
}


class TaskSource(_Strict):
    """Where tasks come from: the bundled seeds, or a task file (or folder, for VerilogEval)."""

    seed: str | None = None  # bundled seed set by domain, e.g. "code"
    file: Path | None = None
    format: Literal[
        "humaneval", "mbpp", "verilogeval", "minif2f-coq", "minif2f-lean", "pareval", "assay"
    ] = "assay"
    limit: int | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _one_source(self) -> TaskSource:
        if (self.seed is None) == (self.file is None):
            raise ValueError("give exactly one of 'seed' or 'file'")
        return self


class GeneratorConfig(_Strict):
    backend: str = "local"  # local, openai, vllm (see workers.registry)
    model: str = "qwen2.5-coder-0.5b"
    options: dict[str, Any] = Field(default_factory=dict)  # backend-specific (base_url, n_ctx, ...)
    num_cpus: float = Field(default=1, ge=0)
    num_gpus: float = Field(default=0, ge=0)


class RoleSampling(_Strict):
    n: int = Field(default=4, ge=1, le=256)
    temperature: float = Field(default=0.8, ge=0, le=2)
    top_p: float = Field(default=0.95, gt=0, le=1)
    max_tokens: int = Field(default=384, ge=16)
    seed: int = 0


class TesterConfig(RoleSampling):
    n: int = Field(default=2, ge=0, le=256)
    max_tests: int = Field(default=8, ge=1, le=100)


class RepairConfig(RoleSampling):
    rounds: int = Field(default=1, ge=0, le=10)
    n: int = Field(default=2, ge=1, le=256)


class LimitsConfig(_Strict):
    wall_s: float = Field(default=5.0, gt=0)
    cpu_s: float = Field(default=5.0, gt=0)
    memory_mb: int = Field(default=512, gt=0)


class VerifyConfig(_Strict):
    limits: LimitsConfig = Field(default_factory=LimitsConfig)
    pool: int | None = Field(default=None, ge=1)  # verifier actors; default: the cores Ray has


class SelectConfig(_Strict):
    strategy: Literal["codet", "majority", "b4", "all"] = "codet"
    keep: int = Field(default=1, ge=1)  # samples kept per task


class RayConfig(_Strict):
    address: str | None = None  # None: start a local Ray; "auto" or "ray://host:10001": join one
    num_cpus: int | None = Field(default=None, ge=1)
