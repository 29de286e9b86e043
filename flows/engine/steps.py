"""What a domain's per-task program asks of the engine: completions or verdicts.

A program is a generator: `completions = yield Generate(requests)` and
`verdicts = yield Check(items)` (and, under a dart policy, `granted = yield Ask(...)`); each
answer comes back in request (item) order. Between yields
the program commits what it has, so a killed run loses at most the operations in flight. A
`Generate` with a request no replica survived is answered by throwing `GenerationFailed` into
the program instead.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

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

    def __reduce__(self) -> tuple[Any, ...]:  # sent from a shard's host (`engine.remote`)
        return (GenerationFailed, (self.failed,))


class Grants(Protocol):
    """What answers an `Ask` (`flows.engine.budget.Budget`): `back(granted)` once decided."""

    def ask(self, ask: Ask, back: Callable[[bool], None]) -> None: ...


@dataclass(frozen=True)
class Ask:
    """Ask the run's budget (`grants`) for level `level` of task `index` (a dart wave, or a
    repair round), costing `cost` samples; answered True or False. `rate`: the task's observed
    pass rate, lower asked first when the budget is short."""

    grants: Grants
    index: int
    level: int
    cost: int
    rate: float


Op = Generate | Check  # what the lanes run
Program = Generator[Op | Ask, Any, None]  # one task's rounds, driven by `loop.drive`


class Workers(Protocol):
    """What the engine's loop drives: the run's `Compute`, or a shard's `RemoteCompute`."""

    def submit(self, op: Op, done: Callable[[Any], None]) -> None: ...
    def step(self, timeout: float | None = None) -> bool: ...
    def stats(self) -> dict[str, Any]: ...
    def fill(self) -> int: ...
