"""What a domain's per-task program asks of the engine: completions or verdicts.

A program is a generator: `completions = yield Generate(requests)` and
`verdicts = yield Check(items)`; each answer comes back in request (item) order. Between yields
the program commits what it has, so a killed run loses at most the operations in flight. A
`Generate` with a request no replica survived is answered by throwing `GenerationFailed` into
the program instead.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import Any

from assay.workers.api import Request


@dataclass(frozen=True)
class Generate:
    """Sample completions for `requests`; answered with one `Completion` per request."""

    requests: Sequence[Request]


@dataclass(frozen=True)
class Check:
    """Run `items` through a verifier; answered with one `Verdict` per item. `verifier` and
    `options` default to the run's (see `Compute`); an empty name means the run's."""

    items: Sequence[Any]
    verifier: str = ""
    options: dict[str, Any] | None = None


@dataclass(frozen=True)
class Failed:
    """The answer to a request no replica survived (`lanes.GenerationLane`): no completion."""

    request: Request
    reason: str


class GenerationFailed(Exception):
    """Thrown into a program whose `Generate` had requests that failed: its task records the
    failure (`engine.failures`) and ends; the run goes on."""

    def __init__(self, failed: Sequence[Failed]) -> None:
        super().__init__("; ".join(f"{f.request.key}: {f.reason}" for f in failed))
        self.failed = list(failed)


Op = Generate | Check
Program = Generator[Op, Any, None]  # one task's rounds, driven by `loop.drive`
