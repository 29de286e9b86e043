"""What flows call: `run_generation` and `run_checks`, on Ray when it is initialised.

Actors are reused for the life of the driver's Ray session: a generator per spec (its model loads
once per run, not once per call) and a pool of verifier actors sized to the cluster's cores.
Ray stops an actor once no handle to it is left, so the handles are kept here, keyed by the Ray
session they belong to; `release()` stops them early. Without Ray the same calls run in this
process, so a caller never has to know which it got.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from assay.schemas.records import Verdict, content_id
from assay.verifiers.sandbox import Limits
from assay.workers.api import Completion, Generator, Request
from assay.workers.session import cores

CHUNKS_PER_ACTOR = 4  # smaller batches balance uneven checks across the pool


@dataclass(frozen=True)
class GeneratorSpec:
    """Which backend, with which options, on which resources (mirrors the run config section)."""

    backend: str = "local"
    model: str = ""
    options: dict[str, Any] = field(default_factory=dict)
    num_cpus: float = 1
    num_gpus: float = 0

    def __post_init__(self) -> None:
        if not self.backend:
            raise ValueError("GeneratorSpec.backend is empty; name one of assay.workers.registry")
        if self.num_cpus < 0 or self.num_gpus < 0:
            raise ValueError(f"GeneratorSpec: resources must be >= 0, got {self}")

    @classmethod
    def of(cls, spec: GeneratorSpec | Mapping[str, Any] | BaseModel) -> GeneratorSpec:
        """From a spec, a mapping, or a pydantic config section with the same fields."""
        if isinstance(spec, GeneratorSpec):
            return spec
        data = spec.model_dump() if isinstance(spec, BaseModel) else dict(spec)
        return cls(**data)

    @property
    def key(self) -> str:
        return content_id("generator", self.backend, self.model, self.options)

    def build(self) -> Generator:
        from assay.workers.registry import build

        return build(self.backend, **({"model": self.model} if self.model else {}), **self.options)


_kept: dict[tuple[str, str], dict[str, Any]] = {}  # Ray session -> actor name -> handle


def _held() -> dict[str, Any]:
    """The handles kept for the current Ray session (a new session starts empty)."""
    import ray

    context = ray.get_runtime_context()
    key = (context.get_job_id(), context.get_node_id())
    if key not in _kept:
        _kept.clear()  # handles of an earlier session are dead; forget them
        _kept[key] = {}
    return _kept[key]


def release() -> None:
    """Stop every actor started here for this Ray session (their models and sandboxes go)."""
    import ray

    if ray.is_initialized():
        for handle in _held().values():
            ray.kill(handle)
    _kept.clear()


def generator_actor(spec: GeneratorSpec) -> Any:
    """The actor for `spec`, started (model loaded) on first use, reused after."""
    from assay.workers.actors import GeneratorActor

    name = f"assay-generator-{spec.key}"
    held = _held()
    if name not in held:
        generator = spec.build()  # cheap: options only; validates them before anything starts
        gpus = max(spec.num_gpus, float(getattr(generator, "num_gpus", 0)))
        held[name] = GeneratorActor.options(  # type: ignore[attr-defined]
            name=name, get_if_exists=True, num_cpus=spec.num_cpus, num_gpus=gpus
        ).remote(generator)
    return held[name]


def run_generation(
    spec: GeneratorSpec | Mapping[str, Any] | BaseModel, requests: list[Request]
) -> list[Completion]:
    """Completions in request order, from the spec's generator actor (or in-process)."""
    import ray

    spec = GeneratorSpec.of(spec)
    if not requests:
        return []
    if ray.is_initialized():
        return ray.get(generator_actor(spec).generate.remote(requests))
    generator = spec.build()
    generator.setup()
    return generator.generate(requests)


def verifier_pool(size: int) -> list[Any]:
    """`size` named verifier actors; new ones share what CPU is free (an idle generator may hold
    some), so the pool never waits on resources it cannot get."""
    import ray

    from assay.workers.actors import VerifierActor

    names = [f"assay-verifier-{i}" for i in range(size)]
    handles = _held()
    missing = [n for n in names if n not in handles]
    if missing:
        free = ray.available_resources().get("CPU", 0.0)
        share = math.floor(min(1.0, free / len(missing)) * 100) / 100
        for name in missing:
            handles[name] = VerifierActor.options(  # type: ignore[attr-defined]
                name=name, get_if_exists=True, num_cpus=share, max_restarts=1, max_task_retries=1
            ).remote()
    return [handles[n] for n in names]


def validated(verifier: Any, items: list[Any]) -> list[BaseModel]:
    """Items as the verifier's `Item` models; the first invalid one raises naming its index."""
    out = []
    for index, item in enumerate(items):
        if isinstance(item, verifier.Item):
            out.append(item)
            continue
        try:
            out.append(verifier.Item.model_validate(item))
        except ValueError as exc:
            raise ValueError(
                f"run_checks: item {index} is not a valid {verifier.name} input: {exc}"
            ) from None
    return out


def run_checks(
    verifier_name: str,
    items: list[Any],
    limits: Limits,
    pool_size: int | None = None,
    options: dict[str, Any] | None = None,
) -> list[Verdict]:
    """Verdicts in item order, fanned out over a verifier pool (default: one per core);
    `options` configure the verifier (see `registry.configured`)."""
    import ray

    from assay.verifiers import registry

    verifier = registry.configured(verifier_name, options)
    models = validated(verifier, items)
    if not models:
        return []
    if not ray.is_initialized():
        from assay.verifiers.jsonl import run_checks as run_here

        return list(run_here(verifier, models, limits, pool_size or cores()))
    from ray.util import ActorPool

    size = pool_size or max(1, int(ray.cluster_resources().get("CPU", 1)))
    actors = verifier_pool(min(size, len(models)))
    step = max(1, math.ceil(len(models) / (len(actors) * CHUNKS_PER_ACTOR)))
    chunks = [models[i : i + step] for i in range(0, len(models), step)]
    results = ActorPool(actors).map(
        lambda actor, chunk: actor.check.remote(verifier_name, chunk, limits, options), chunks
    )
    return [verdict for chunk in results for verdict in chunk]
