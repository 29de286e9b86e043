"""Run configuration: YAML validated by pydantic, dotted overrides, one object passed in.

Unknown keys are errors (a typo must not be silently ignored), and every error names the file
and the dotted field so a user knows what to fix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from assay.schemas.records import content_id


class ConfigError(ValueError):
    """A config that cannot be used; the message names the file and field."""


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


class RoundTripConfig(RoleSampling):
    """CodeV-R1's round-trip filter: passing RTL → a spec written by the model → RTL again from
    that spec; the (spec, original RTL) pair is kept when the two designs are equivalent."""

    enabled: bool = False
    n: int = Field(default=1, ge=1, le=16)  # regenerations per spec
    temperature: float = Field(default=0.2, ge=0, le=2)
    max_tokens: int = Field(default=384, ge=16)


class VerilogConfig(_Strict):
    """Settings only the verilog domain reads (ignored, and not hashed, for other domains)."""

    ports_in_prompt: bool = True  # list the reference's exact ports under the spec
    roundtrip: RoundTripConfig = Field(default_factory=RoundTripConfig)


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


class TranslationFlowConfig(_Strict):
    """Settings only the translation domain reads (ignored, and not hashed, for other domains).
    MuSL-style co-evolution: each of `rounds` rounds samples tests (validated on the source) and
    translations (co-verified against them); later rounds are shown the last round's failures."""

    rounds: int = Field(default=2, ge=1, le=10)  # tester + translator rounds, the first included
    target: Literal["openmp"] = "openmp"  # CUDA needs a GPU worker the flow does not start


PROOF_LIMITS = {"wall_s": 30.0, "cpu_s": 20.0, "memory_mb": 2048}  # coqc needs ~1 GiB to start


class RayConfig(_Strict):
    address: str | None = None  # None: start a local Ray; "auto" or "ray://host:10001": join one
    num_cpus: int | None = Field(default=None, ge=1)


class RunConfig(_Strict):
    """One pipeline run. `id` hashes only what changes the data, so reruns share it."""

    name: str = "assay-run"
    domain: Domain = "code"
    dataset: Path = Path("data/dataset")
    tasks: list[TaskSource] = Field(default_factory=lambda: [TaskSource(seed="code")], min_length=1)
    generator: GeneratorConfig = Field(default_factory=GeneratorConfig)
    solver: RoleSampling = Field(default_factory=RoleSampling)
    tester: TesterConfig = Field(default_factory=TesterConfig)
    repair: RepairConfig = Field(default_factory=RepairConfig)
    verify: VerifyConfig = Field(default_factory=VerifyConfig)
    select: SelectConfig = Field(default_factory=SelectConfig)
    verilog: VerilogConfig = Field(default_factory=VerilogConfig)
    proofs: ProofsConfig = Field(default_factory=ProofsConfig)
    translation: TranslationFlowConfig = Field(default_factory=TranslationFlowConfig)
    ray: RayConfig = Field(default_factory=RayConfig)

    @model_validator(mode="before")
    @classmethod
    def _domain_seeds(cls, data: Any) -> Any:
        """With no `tasks` given, a domain runs its own bundled seed set."""
        if isinstance(data, dict) and "tasks" not in data:
            return {**data, "tasks": [{"seed": data.get("domain", "code")}]}
        return data

    @model_validator(mode="before")
    @classmethod
    def _proof_limits(cls, data: Any) -> Any:
        """The proofs domain's default check limits fit coqc (an unset field only)."""
        if not isinstance(data, dict) or data.get("domain") != "proofs":
            return data
        verify = data.get("verify") or {}
        if not isinstance(verify, dict):
            return data
        limits = verify.get("limits") or {}
        if isinstance(limits, dict):
            verify = {**verify, "limits": {**PROOF_LIMITS, **limits}}
        return {**data, "verify": verify}

    @model_validator(mode="after")
    def _sources_fit_domain(self) -> RunConfig:
        for i, source in enumerate(self.tasks):
            if source.seed is not None and source.seed != self.domain:
                raise ValueError(
                    f"tasks.{i}: seed set {source.seed!r} does not fit domain {self.domain!r}"
                )
            if source.file is not None and source.format not in FORMATS_OF[self.domain]:
                raise ValueError(
                    f"tasks.{i}: format {source.format!r} does not fit domain {self.domain!r}; "
                    f"use one of {sorted(FORMATS_OF[self.domain])}"
                )
        return self

    @property
    def id(self) -> str:
        data = self.model_dump(mode="json", exclude={"name", "dataset", "ray"})
        data["verify"].pop("pool", None)
        if self.domain != "verilog":
            data.pop("verilog")  # so adding the section left every code run's id unchanged
        if self.domain != "proofs":
            data.pop("proofs")
        if self.domain != "translation":
            data.pop("translation")
        return content_id("run-config", data)


def _set_dotted(data: dict[str, Any], dotted: str, value: Any) -> None:
    keys = dotted.split(".")
    node = data
    for key in keys[:-1]:
        node = node.setdefault(key, {})
        if not isinstance(node, dict):
            raise ConfigError(f"override {dotted!r}: {key!r} is not a section")
    node[keys[-1]] = value


def parse_override(text: str) -> tuple[str, Any]:
    """`solver.n=2` -> ("solver.n", 2); the value is read as YAML (numbers, bools, lists)."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"override {text!r} must look like section.field=value")
    return key.strip(), yaml.safe_load(raw) if raw.strip() else ""


def _describe(err: ValidationError, origin: str) -> str:
    lines = [f"{origin}: invalid config"]
    for item in err.errors():
        where = ".".join(str(p) for p in item["loc"]) or "(top level)"
        lines.append(f"  field {where}: {item['msg']}")
    return "\n".join(lines)


def load_config(path: Path | None, overrides: list[str] = ()) -> RunConfig:  # type: ignore[assignment]
    """Read YAML (or the embedded defaults when `path` is None), apply overrides, validate."""
    origin = str(path) if path else "(embedded defaults)"
    data: dict[str, Any] = {}
    if path is not None:
        try:
            loaded = yaml.safe_load(Path(path).read_text())
        except FileNotFoundError:
            raise ConfigError(f"{origin}: no such config file") from None
        except yaml.YAMLError as exc:
            raise ConfigError(f"{origin}: not valid YAML: {exc}") from None
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError(f"{origin}: the top level must be a mapping of sections")
        data = loaded or {}
        base = Path(path).resolve().parent
        for source in data.get("tasks") or []:
            if isinstance(source, dict) and source.get("file"):
                source["file"] = str((base / str(source["file"])).resolve())
    for item in overrides:
        key, value = parse_override(item)
        _set_dotted(data, key, value)
    try:
        return RunConfig.model_validate(data)
    except ValidationError as err:
        raise ConfigError(_describe(err, origin)) from None


def dump_config(config: RunConfig) -> str:
    """The resolved config as YAML, saved with every run."""
    return yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False)
