"""The run config's shared sections: tasks, generator, role sampling, verification, selection,
Ray. Each is a frozen pydantic model that forbids unknown keys (a typo is an error)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_serializer, model_validator
from pydantic_core.core_schema import SerializerFunctionWrapHandler

from assay.flows.select.choose import Strategy
from assay.flows.select.strategies import B4_ALPHA_XY, B4_BETA_0


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def formats_of(domain: str) -> frozenset[str]:
    """Task file formats `domain` reads: its registered importers', plus assay task files."""
    from assay.flows.domains import get

    return get(domain).formats | {"assay"}


class TaskSource(_Strict):
    """Where tasks come from: the bundled seeds, or a task file (or folder, for VerilogEval)."""

    seed: str | None = None  # bundled seed set by domain, e.g. "code"
    file: Path | None = None
    format: str = "assay"  # or one of the run's domain's formats (see `assay.flows.domains`)
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
    # How the engine uses the model; none of these changes the data, so none is in the run id.
    replicas: int = Field(default=1, ge=1)  # generator actors, each with the resources above
    resources: dict[str, float] = Field(default_factory=dict)  # Ray custom resources per replica
    batch_size: int | None = Field(default=None, ge=1)  # prompts per call; None: the backend's
    max_in_flight: int = Field(default=2, ge=1)  # calls outstanding per replica
    # A call unanswered this long loses its replica (killed, replaced, its prompts resent): at
    # least the slowest honest batch, batch_size × max_tokens / the replica's tokens per second.
    call_timeout_s: float = Field(default=1800.0, gt=0)
    retries: int = Field(default=2, ge=1)  # losses of one prompt sent alone before it fails

    @model_validator(mode="after")
    def _resources(self) -> GeneratorConfig:
        for name, amount in self.resources.items():
            if amount <= 0 or name in ("CPU", "GPU", "memory"):
                raise ValueError(
                    f"resources.{name}: give custom resources with an amount > 0 "
                    "(CPUs and GPUs go in num_cpus and num_gpus)"
                )
        return self


ENGINE_ONLY = {  # generator fields that are not in the run id
    "replicas", "resources", "batch_size", "max_in_flight", "call_timeout_s", "retries",
}  # fmt: skip


class RoleSampling(_Strict):
    n: int = Field(default=4, ge=1, le=256)
    temperature: float = Field(default=0.8, ge=0, le=2)
    top_p: float = Field(default=0.95, gt=0, le=1)
    max_tokens: int = Field(default=384, ge=16)
    seed: int = 0


POLICY_FIELDS = ("policy", "k", "max_n", "budget", "zero_share", "group")


class SolverSampling(RoleSampling):
    """The generating role's sampling (solver, prover, designer, translator) and how many
    samples a task gets (`flows.engine.budget`): `fixed` gives every task `n`; `dart` samples in
    waves of `n` until a task has `k` verified samples (default `select.keep`), up to `max_n`,
    the run never over `budget` (default `n` × tasks), hardest tasks first; a task with no
    pass after `zero_share` of `max_n` stops. `group`: tasks whose waves are granted together
    (consecutive tasks; decisions depend only on their own group, so they are deterministic)."""

    policy: Literal["fixed", "dart"] = "fixed"
    k: int | None = Field(default=None, ge=1)
    max_n: int | None = Field(default=None, ge=1)  # None: 8 × n
    budget: int | None = Field(default=None, ge=1)  # None: n × tasks
    zero_share: float = Field(default=0.5, gt=0, le=1)
    group: int = Field(default=64, ge=1)

    @model_validator(mode="after")
    def _fits(self) -> SolverSampling:
        if self.policy == "dart" and self.max_n is not None and self.max_n < self.n:
            raise ValueError(f"max_n ({self.max_n}) must be at least n ({self.n})")
        return self

    @property
    def cap(self) -> int:
        """The most samples one task takes under `dart`."""
        return self.max_n if self.max_n is not None else 8 * self.n

    @model_serializer(mode="wrap")
    def _policy_when_used(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """The policy's fields are dumped (and hashed into the run id) only under `dart`, so
        `fixed` runs keep the ids they had before policies existed."""
        data: dict[str, Any] = handler(self)
        if self.policy == "fixed":
            for key in POLICY_FIELDS:
                data.pop(key, None)
        return data


class LabelsConfig(_Strict):
    """Tests by agreement (`tester.labels`): an input-generator program writes inputs, `solutions`
    sampled solutions run on each, and an output most of them agree on becomes a test.

    `when`: `never`; `untested` (tasks with neither trusted tests nor a reference, whose only
    tests would otherwise be model-written asserts); `always` (every task; a task's own tests
    still count first)."""

    when: Literal["never", "untested", "always"] = "never"
    generators: int = Field(default=2, ge=1, le=64)  # input-generator programs sampled per task
    inputs: int = Field(default=10, ge=1, le=200)  # calls of each generator program
    max_scale: int = Field(default=100, ge=1)  # scales drawn log-uniformly from 1..max_scale
    max_input_bytes: int = Field(default=16_384, ge=16)  # a larger input is dropped
    solutions: int = Field(default=16, ge=1, le=256)  # k: solver samples that vote on outputs
    share: float = Field(default=0.6, gt=0, le=1)  # of the solutions that ran on an input
    min_agree: int = Field(default=2, ge=1)  # and at least this many agreeing solutions
    temperature: float = Field(default=0.8, ge=0, le=2)  # the input-generator role's sampling
    max_tokens: int = Field(default=512, ge=16)


class TesterConfig(RoleSampling):
    n: int = Field(default=2, ge=0, le=256)
    max_tests: int = Field(default=8, ge=1, le=100)
    labels: LabelsConfig = Field(default_factory=LabelsConfig)

    @model_serializer(mode="wrap")
    def _labels_when_used(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """`labels` is dumped (and so hashed into the run id) only when it differs from the
        default, so runs that do not use it keep the ids they had before it existed."""
        data: dict[str, Any] = handler(self)
        if self.labels == LabelsConfig():
            data.pop("labels", None)
        return data


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
    # Where the machine refuses some sandbox isolation (no namespaces): "warn" runs with the
    # level reached (recorded on every verdict), "require" refuses to run any check.
    isolation: Literal["warn", "require"] = "warn"
    # A check call unanswered for call_slack_s plus item_timeout_s per item loses its verifier
    # actor. None: each item's wall limit × (its tests + 2) (`engine.lanes.item_budget`).
    item_timeout_s: float | None = Field(default=None, gt=0)
    call_slack_s: float = Field(default=60.0, ge=0)


class B4Config(_Strict):
    """B4's priors; the defaults are ZJU-CTAG/B4's (its README sweeps beta_0 over 1e4, 1e5,
    1e6 with alpha_xy 1e3)."""

    beta_0: float = Field(default=B4_BETA_0, gt=0)  # wrong solutions rarely share a wrong test
    alpha_xy: float = Field(default=B4_ALPHA_XY, gt=0)  # prior toward larger consensus sets


class SelectConfig(_Strict):
    """How a code task's solutions are chosen (see `flows.select.choose`): `codet` scores a
    consensus set as CodeT's official code does (√|S_x|·|S_y|), `codet-paper` as its paper
    writes it (|S_x|·|S_y|)."""

    strategy: Literal["codet", "codet-paper", "majority", "b4", "all"] = "codet"
    keep: int = Field(default=1, ge=1)  # samples kept per task
    b4: B4Config = Field(default_factory=B4Config)

    @property
    def rule(self) -> Strategy:
        return Strategy(self.strategy, self.b4.beta_0, self.b4.alpha_xy)


class EngineConfig(_Strict):
    """How many tasks the round engine keeps open at once, and how checks are chunked. Not in
    the run id: they change how fast a run goes, never what it commits."""

    window: int | None = Field(default=None, ge=1)  # None: enough to fill every batch twice
    check_chunk: int = Field(default=16, ge=1)  # most items sent to a verifier worker per call
    ready_timeout_s: float = Field(default=1800.0, gt=0)  # for workers to start (models load)
    retry_failed: bool = False  # send again the prompts an earlier invocation judged poison
    shards: int = Field(default=1, ge=1)  # engine loops, each a Ray actor, sharing the workers
    # A run of at most this many tasks holds their list (each task parsed once); beyond it, every
    # pass over the tasks reads them from their sources again, so memory stays bounded.
    tasks_in_memory: int = Field(default=10_000, ge=0)
    # A run of at least this many tasks runs the passes after its rounds (curation, the report,
    # compaction) as a Ray task of their own, off the driver; a smaller one runs them in the
    # driver and spares that task's start (seconds). 0: always a task.
    passes_in_task: int = Field(default=10_000, ge=0)


class StoreConfig(_Strict):
    """What the run does to the dataset after its last commit. Not in the run id."""

    compact: bool = True  # rewrite small commit folders into large files when the run ends
    compact_min_folders: int = Field(default=64, ge=2)  # fewer small folders: leave them be


class RayConfig(_Strict):
    address: str | None = None  # None: start a local Ray; "auto" or "ray://host:10001": join one
    num_cpus: int | None = Field(default=None, ge=1)
