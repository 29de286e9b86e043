"""What a domain's per-task program asks of the engine: completions or verdicts.

A program is a generator: `completions = yield Generate(requests)` and
`verdicts = yield Check(items)`; each answer comes back in request (item) order. Between yields
the program commits what it has, so a killed run loses at most the operations in flight.
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


Op = Generate | Check
Program = Generator[Op, Any, None]  # one task's rounds, driven by `loop.drive`
