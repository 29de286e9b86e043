"""The `toy-reversed` verifier: a response passes when it is its prompt reversed (case aside)."""

from __future__ import annotations

from pydantic import BaseModel

from assay.schemas.records import Outcome, Status, Verdict
from assay.verifiers.registry import register
from assay.verifiers.sandbox import Limits, Sandbox

NAME = "toy-reversed"


class ReversedItem(BaseModel):
    id: str
    prompt: str
    response: str


@register(NAME)
class ReversedVerifier:
    name, Item = NAME, ReversedItem

    def check(self, item: ReversedItem, sandbox: Sandbox, limits: Limits) -> Verdict:
        ok = item.response.strip().lower() == item.prompt[::-1].lower()
        status = Status.PASS if ok else Status.FAIL
        return Verdict(item.id, NAME, status, int(ok), 1, (Outcome("reversed", status),))
