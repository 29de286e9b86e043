"""The generator seam: `generate(requests) -> completions`, whatever runs the model."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Sampling:
    """Sampling parameters shared by every backend."""

    n: int = 1
    temperature: float = 0.8
    top_p: float = 0.95
    max_tokens: int = 512
    seed: int = 0  # base seed; sample i of a request uses seed + i where the backend allows
    stop: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.n < 1:
            raise ValueError(f"Sampling.n must be >= 1, got {self.n}")
        if self.max_tokens < 1:
            raise ValueError(f"Sampling.max_tokens must be >= 1, got {self.max_tokens}")
        if not 0.0 <= self.temperature <= 2.0:
            raise ValueError(f"Sampling.temperature must be in [0, 2], got {self.temperature}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "temperature": self.temperature,
            "top_p": self.top_p,
            "max_tokens": self.max_tokens,
            "seed": self.seed,
            "stop": list(self.stop),
        }


@dataclass(frozen=True)
class Request:
    """One prompt (as chat messages) to sample `sampling.n` completions for."""

    key: str  # caller's id, echoed back on the completion
    messages: tuple[dict[str, str], ...]  # [{"role": "system"|"user"|"assistant", "content": ...}]
    sampling: Sampling = field(default_factory=Sampling)


@dataclass(frozen=True)
class Completion:
    key: str
    texts: tuple[str, ...]  # exactly `n` texts, in sample order
    model: str
    tokens: int = 0  # tokens written over all `n` texts, where the backend says (progress)


class Generator(Protocol):
    """A generation backend. Heavy state (weights, engines, clients) is built in `setup()`."""

    name: str

    @property
    def model(self) -> str: ...

    def setup(self) -> None: ...

    def generate(self, requests: list[Request]) -> list[Completion]: ...
