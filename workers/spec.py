"""What a generator replica is built from: the one place a backend's generator is made for the
engine's generation lane (`workers.pools`), from a run config's `generator` section."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from pydantic import BaseModel

from assay.workers.api import Generator


@dataclass(frozen=True)
class GeneratorSpec:
    """Which backend, with which options, on which resources (custom Ray `resources` too)."""

    backend: str = "local"
    model: str = ""
    options: dict[str, Any] = field(default_factory=dict)
    num_cpus: float = 1
    num_gpus: float = 0
    resources: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.backend:
            raise ValueError("GeneratorSpec.backend is empty; name one of assay.workers.registry")
        if self.num_cpus < 0 or self.num_gpus < 0:
            raise ValueError(f"GeneratorSpec: resources must be >= 0, got {self}")

    @classmethod
    def of(cls, spec: GeneratorSpec | Mapping[str, Any] | BaseModel) -> GeneratorSpec:
        """From a spec, a mapping, or a config section (its engine settings, such as
        `replicas`, are not the replica's and are left out)."""
        if isinstance(spec, GeneratorSpec):
            return spec
        data = spec.model_dump() if isinstance(spec, BaseModel) else dict(spec)
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})

    def build(self) -> Generator:
        """The generator, not set up: options only (validated), no model loaded yet."""
        from assay.workers.registry import build

        return build(self.backend, **({"model": self.model} if self.model else {}), **self.options)

    def needs(self, generator: Generator | None = None) -> dict[str, float]:
        """What one replica holds on a node: its CPUs, the GPUs it or its backend asks for
        (vLLM's tensor parallelism), and its custom resources."""
        built = generator if generator is not None else self.build()
        gpus = max(self.num_gpus, float(getattr(built, "num_gpus", 0)))
        return {"CPU": self.num_cpus, "GPU": gpus, **self.resources}
