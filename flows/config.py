"""Run configuration: YAML validated by pydantic, dotted overrides, one object passed in.

Unknown keys are errors (a typo must not be silently ignored), and every error names the file
and the dotted field so a user knows what to fix.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import ConfigDict, Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from assay.flows.config_sections import (
    ENGINE_ONLY,
    EngineConfig,
    GeneratorConfig,
    RayConfig,
    RepairConfig,
    RoleSampling,
    SelectConfig,
    SolverSampling,
    StoreConfig,
    TaskSource,
    TesterConfig,
    VerifyConfig,
    _Strict,
    formats_of,
)
from assay.flows.curate.config import CurateConfig
from assay.flows.domains import DOMAINS, get, owning
from assay.schemas.records import content_id

S = TypeVar("S")

__all__ = ["ConfigError", "RoleSampling", "RunConfig", "TaskSource", "dump_config", "load_config"]


class ConfigError(ValueError):
    """A config that cannot be used; the message names the file and field."""


class RunConfig(_Strict):
    """One pipeline run. `id` hashes only what changes the data, so reruns share it.

    Besides the shared sections below, a registered domain's own section (`verilog:`, ...) is
    read with the model its domain names (`Domain.config`); the run's domain always has its
    section (defaults where not given). Any other top-level key is an error."""

    model_config = ConfigDict(extra="allow", frozen=True)

    name: str = "assay-run"
    domain: str = "code"  # a registered domain (see `assay.flows.domains`)
    dataset: Path = Path("data/dataset")
    tasks: list[TaskSource] = Field(default_factory=lambda: [TaskSource(seed="code")], min_length=1)
    generator: GeneratorConfig = Field(default_factory=GeneratorConfig)
    solver: SolverSampling = Field(default_factory=SolverSampling)
    tester: TesterConfig = Field(default_factory=TesterConfig)
    repair: RepairConfig = Field(default_factory=RepairConfig)
    verify: VerifyConfig = Field(default_factory=VerifyConfig)
    select: SelectConfig = Field(default_factory=SelectConfig)
    ray: RayConfig = Field(default_factory=RayConfig)
    engine: EngineConfig = Field(default_factory=EngineConfig)
    store: StoreConfig = Field(default_factory=StoreConfig)
    curate: CurateConfig = Field(default_factory=CurateConfig)
    license: str = "other"  # the released data's license (an SPDX id or a Hub license tag)

    @model_validator(mode="before")
    @classmethod
    def _domain_seeds(cls, data: Any) -> Any:
        """With no `tasks` given, a domain runs its own bundled seed set."""
        if isinstance(data, dict) and "tasks" not in data:
            return {**data, "tasks": [{"seed": data.get("domain", "code")}]}
        return data

    @model_validator(mode="before")
    @classmethod
    def _domain_sections(cls, data: Any) -> Any:
        """Validate each domain section given with its domain's model, errors named by their
        dotted field as the shared sections' are."""
        if not isinstance(data, dict):
            return data
        out, errors = dict(data), []
        name = data.get("domain", "code")
        own = get(name).section if isinstance(name, str) and name in DOMAINS else None
        if own is not None and own not in out:
            out[own] = {}
        for key in [k for k in out if k not in cls.model_fields]:
            domain = owning(key)
            if domain is None:
                errors.append(InitErrorDetails(type="extra_forbidden", loc=(key,), input=out[key]))
                continue
            try:
                out[key] = domain.section_model().model_validate(out[key])
            except ValidationError as err:
                for e in err.errors():
                    why = PydanticCustomError(e["type"], e["msg"].replace("{", "{{"))
                    errors.append(
                        InitErrorDetails(type=why, loc=(key, *e["loc"]), input=e["input"])
                    )
        if errors:
            raise ValidationError.from_exception_data(cls.__name__, errors)
        return out

    @model_validator(mode="before")
    @classmethod
    def _domain_limits(cls, data: Any) -> Any:
        """A domain's default check limits (e.g. coqc's) fill the limits left unset."""
        if not isinstance(data, dict) or data.get("domain") not in DOMAINS:
            return data
        defaults = get(data["domain"]).limits
        verify = data.get("verify") or {}
        if not defaults or not isinstance(verify, dict):
            return data
        limits = verify.get("limits") or {}
        if isinstance(limits, dict):
            verify = {**verify, "limits": {**defaults, **limits}}
        return {**data, "verify": verify}

    @model_validator(mode="after")
    def _sources_fit_domain(self) -> RunConfig:
        if self.domain not in DOMAINS:
            raise ValueError(
                f"domain: no domain named {self.domain!r}; use one of {sorted(DOMAINS)}"
            )
        for i, source in enumerate(self.tasks):
            if source.seed is not None and source.seed != self.domain:
                raise ValueError(
                    f"tasks.{i}: seed set {source.seed!r} does not fit domain {self.domain!r}"
                )
            if source.file is not None and source.format not in formats_of(self.domain):
                raise ValueError(
                    f"tasks.{i}: format {source.format!r} does not fit domain {self.domain!r}; "
                    f"use one of {sorted(formats_of(self.domain))}"
                )
        return self

    @model_validator(mode="after")
    def _shards_fit(self) -> RunConfig:
        """Shards drive tasks apart: a policy or domain that decides across tasks cannot."""
        if self.engine.shards > 1 and self.solver.policy == "dart":
            raise ValueError(
                "engine.shards: dart spends one budget across all tasks, so it runs in one "
                "shard; set engine.shards: 1 or solver.policy: fixed"
            )
        if self.engine.shards > 1 and self.domain == "proofs":
            raise ValueError(
                "engine.shards: the proofs domain adds conjectures to its run's tasks as it "
                "goes, so it runs in one shard; set engine.shards: 1"
            )
        return self

    @cached_property
    def id(self) -> str:
        """Computed once: the config is frozen, and a run asks for its id at every commit."""
        data = self.model_dump(
            mode="json",
            exclude={"name": True, "dataset": True, "ray": True, "engine": True, "store": True,
                     "curate": True, "license": True, "generator": ENGINE_ONLY},
        )  # fmt: skip
        data["verify"].pop("pool", None)
        data["verify"].pop("isolation", None)  # refuses or warns; never changes a verdict
        for key in ("item_timeout_s", "call_slack_s"):  # when a hung worker is replaced
            data["verify"].pop(key, None)
        own = get(self.domain).section
        for key in self.model_extra or {}:  # a domain's section counts only for its own runs
            if key != own:
                data.pop(key)
            elif hasattr(section := self.section(object), "hashed"):
                if (hashed := section.hashed()) is None:  # only defaults: the id stays as it was
                    data.pop(key)
                else:
                    data[key] = hashed
        return content_id("run-config", data)

    def section(self, model: type[S]) -> S:
        """The run's domain's own section, as `model` (its `Domain.config`)."""
        own = get(self.domain).section
        found = (self.model_extra or {}).get(own) if own else None
        if not isinstance(found, model):
            raise TypeError(f"domain {self.domain!r} has no config section of type {model}")
        return found


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


def _benchmark_sources(data: dict[str, Any]) -> list[Any]:
    """`curate.decontaminate.benchmarks` as written (files resolve like task files)."""
    curate = data.get("curate")
    decon = curate.get("decontaminate") if isinstance(curate, dict) else None
    found = decon.get("benchmarks") if isinstance(decon, dict) else None
    return found if isinstance(found, list) else []


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
        for source in [*(data.get("tasks") or []), *_benchmark_sources(data)]:
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
