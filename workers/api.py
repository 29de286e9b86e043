"""The generator seam: `generate(requests) -> completions`, whatever runs the model."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

Artefact = Callable[[str], "str | None"]  # what a caller reads out of one completion text


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
    # Read out of each text where the text is made (a replica's own process, `read_out`), so
    # a run's driver does not parse every completion; it must pickle (a module's function, or
    # a partial of one). Its answers come back as `Completion.artefacts`.
    artefact: Artefact | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Completion:
    key: str
    texts: tuple[str, ...]  # exactly `n` texts, in sample order
    model: str
    tokens: int = 0  # tokens written over all `n` texts, where the backend says (progress)
    artefacts: tuple[str | None, ...] | None = None  # each text's `Request.artefact`, if asked


def read_out(requests: Sequence[Request], completions: list[Completion]) -> list[Completion]:
    """`completions` (in request order) with each text's artefact where its request asks for
    one: run by whatever holds the generator, after it answers."""
    if all(r.artefact is None for r in requests) or len(requests) != len(completions):
        return completions
    return [
        replace(c, artefacts=tuple(r.artefact(t) for t in c.texts))
        if r.artefact is not None and r.key == c.key
        else c
        for r, c in zip(requests, completions, strict=True)
    ]


class Generator(Protocol):
    """A generation backend. Heavy state (weights, engines, clients) is built in `setup()`."""

    name: str

    @property
    def model(self) -> str: ...

    def setup(self) -> None: ...

    def generate(self, requests: list[Request]) -> list[Completion]: ...
