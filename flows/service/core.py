"""The service's work, without HTTP or Ray: validate a request's items (all before any is
checked), admit them to a bounded queue, send them in chunks to the verifier workers, retry the
items of a worker lost mid-call alone on another, and write each verdict as `assay verify`
does, plus `judged` (false, with the reason, when the check itself failed: never a wrong
answer an RL trainer would learn from)."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from assay.flows.engine.lanes import item_budget
from assay.flows.service.setups import ServiceConfig, Setup
from assay.schemas.records import Verdict
from assay.verifiers import registry
from assay.verifiers.batch import broken_verdict, stamped
from assay.verifiers.jsonl import items_of, verdict_line


class Workers(Protocol):
    """Where chunks are checked: Serve replicas (`deploy`), or anything alike in tests."""

    def send(
        self, verifier: str, options: dict[str, Any] | None, items: list[Any], limits: Any
    ) -> Awaitable[list[Verdict]]: ...

    def lost(self, exc: BaseException) -> bool: ...


class Refused(Exception):
    """A request answered with an HTTP error: `status`, the message, and Retry-After."""

    def __init__(self, status: int, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


def judged_line(item: Any, verdict: Verdict) -> dict[str, Any]:
    """`assay verify`'s line for `verdict`, with `judged` and, when false, its `reason`."""
    line = verdict_line(item, verdict)
    reason = verdict.evidence.get("infrastructure")
    line["judged"] = reason is None
    if reason is not None:
        line["reason"] = str(reason)
    return line


@dataclass
class Core:
    setups: dict[str, Setup]
    workers: Workers
    config: ServiceConfig
    replicas: int = 1  # workers to spread a request over
    queued: int = 0  # items admitted and not yet answered
    draining: bool = False  # stopping: new requests get 503

    def describe(self) -> dict[str, Any]:
        return {name: {"fields": s.fields} for name, s in sorted(self.setups.items())}

    def health(self) -> dict[str, Any]:
        return {"ready": not self.draining, "queued": self.queued,
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
            size = min(self.config.max_chunk, math.ceil(len(models) / max(1, self.replicas)))
            chunks = [models[i : i + size] for i in range(0, len(models), max(1, size))]
            done = await asyncio.gather(*(self._chunk(setup, c) for c in chunks))
        finally:
            self.queued -= len(models)
        verdicts = [v for chunk in done for v in chunk]
        return [judged_line(m, v) for m, v in zip(models, verdicts, strict=True)]

    def _deadline(self, setup: Setup, items: Sequence[Any]) -> float:
        each = self.config.item_timeout_s
        return self.config.slack_s + sum(
            each if each is not None else item_budget(i, setup.limits) for i in items
        )

    async def _chunk(self, setup: Setup, items: list[Any]) -> list[Verdict]:
        """A chunk's verdicts; if its worker is lost, each item again alone (`_alone`)."""
        try:
            return await self._send(setup, items)
        except Exception as exc:
            if not self.workers.lost(exc) and not isinstance(exc, TimeoutError):
                raise
            why = f"{type(exc).__name__}: {exc}"
        return list(await asyncio.gather(*(self._alone(setup, i, 1, why) for i in items)))

    async def _alone(self, setup: Setup, item: Any, tries: int, why: str) -> Verdict:
        while tries < self.config.tries:
            try:
                return (await self._send(setup, [item]))[0]
            except Exception as exc:
                if not self.workers.lost(exc) and not isinstance(exc, TimeoutError):
                    raise
                tries, why = tries + 1, f"{type(exc).__name__}: {exc}"
        reason = f"verifier worker lost {tries} times on this item: {why[-500:]}"
        return stamped(broken_verdict(item, setup.name, reason),
                       registry.get(setup.name), setup.options, setup.limits)  # fmt: skip

    async def _send(self, setup: Setup, items: list[Any]) -> list[Verdict]:
        call = self.workers.send(setup.name, setup.options, items, setup.limits)
        verdicts = await asyncio.wait_for(call, self._deadline(setup, items))
        if len(verdicts) != len(items):
            raise RuntimeError(f"a worker returned {len(verdicts)} verdicts for {len(items)}")
        return verdicts
