"""The service's work, without HTTP or Ray: validate a request's items (all before any is
checked), admit them to a bounded queue, check them through the dispatcher (`dispatch`:
chunks to the verifier workers, a lost worker's items again alone), and write each verdict as
`assay verify` does, plus `judged` (false, with the reason, when the check itself failed:
never a wrong answer an RL trainer would learn from)."""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, Protocol

from assay.flows.service.dispatch import Dispatcher
from assay.flows.service.setups import ServiceConfig, Setup
from assay.schemas.records import Verdict
from assay.verifiers import registry
from assay.verifiers.jsonl import items_of, verdict_line


class Workers(Protocol):
    """Where chunks are checked: Serve replicas (`deploy`), or anything alike in tests."""

    def send(
        self,
        verifier: str,
        options: dict[str, Any] | None,
        items: list[Any],
        limits: Any,
        deadline_s: float,
    ) -> Awaitable[list[Verdict]]: ...

    def lost(self, exc: BaseException) -> bool: ...

    def probe(self) -> Awaitable[None]: ...


class Refused(Exception):
    """A request answered with an HTTP error: `status`, the message, and Retry-After."""

    def __init__(self, status: int, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


@dataclass
class Core:
    setups: dict[str, Setup]
    workers: Workers
    config: ServiceConfig
    replicas: int = 1  # verifier worker replicas
    in_flight: int = 2  # calls each replica takes at once
    queued: int = 0  # items admitted and not yet answered
    draining: bool = False  # stopping: new requests get 503
    ready: bool = False  # a worker has answered

    def __post_init__(self) -> None:
        cfg = self.config
        self.dispatch = Dispatcher(self.workers, self.replicas * self.in_flight, cfg.max_chunk,
                                   cfg.tries, cfg.item_timeout_s, cfg.slack_s)  # fmt: skip

    def describe(self) -> dict[str, Any]:
        return {name: {"fields": s.fields} for name, s in sorted(self.setups.items())}

    async def up(self, wait_s: float = 2.0) -> bool:
        """Whether the service can check: not stopping, and a worker has answered once."""
        if not self.ready:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.workers.probe(), wait_s)
                self.ready = True
        return self.ready and not self.draining

    def health(self) -> dict[str, Any]:
        return {"ready": self.ready and not self.draining, "queued": self.queued,
                "max_queue": self.config.max_queue, "verifiers": sorted(self.setups)}  # fmt: skip

    def retry_after(self) -> int:
        """Seconds a refused client should wait: about one chunk's turn."""
        return max(1, math.ceil(self.queued / max(1, self.replicas) / 50))

    def admit(self, name: str, objs: Any) -> tuple[Setup, list[Any]]:
        """The verifier and the validated items, or `Refused` (nothing is checked then)."""
        if self.draining:
            raise Refused(503, "the server is stopping; send to another", 5)
        setup = self.setups.get(name)
        if setup is None:
            known = ", ".join(sorted(self.setups))
            raise Refused(404, f"no verifier named {name!r} here; served: {known}")
        if not isinstance(objs, list):
            raise Refused(400, 'the body must be {"items": [...]}, a list of item objects')
        if len(objs) > self.config.max_queue:
            raise Refused(413, f"{len(objs)} items in one request; send at most "
                          f"{self.config.max_queue} (the client batches for you)")  # fmt: skip
        try:
            models = items_of(registry.configured(name, setup.options), objs)
        except ValueError as exc:
            raise Refused(400, str(exc)) from None
        if self.queued + len(models) > self.config.max_queue:
            raise Refused(429, f"queue full ({self.queued} of {self.config.max_queue} items "
                          "waiting); retry later", self.retry_after())  # fmt: skip
        return setup, models

    async def verify(self, name: str, objs: Any) -> list[dict[str, Any]]:
        """Verdict lines in item order; `Refused` before anything is checked."""
        setup, models = self.admit(name, objs)
        self.queued += len(models)
        try:
            verdicts = await self.dispatch.check(setup, models)
        finally:
            self.queued -= len(models)
        return [verdict_line(m, v) for m, v in zip(models, verdicts, strict=True)]
