"""`coq-statement`: is a model-written conjecture a usable statement? The trusted filter of the
proofs flow's STP round, as a registered verifier, so it runs on the check lane's verifier
workers (in their sandboxes) like every other check, never in the driver.

Cheapest first: exactly one `Theorem name ... .` sentence, none of the verifier's forbidden words,
no `ltac:` term and no `:=` body (`screened`; refused as `rejected`); then it must elaborate under
the seed's header (`statement_compiles`; `pass`, else `unsupported`: does not compile).
"""

from __future__ import annotations

import re
import time

from pydantic import BaseModel, ConfigDict, Field

from assay.schemas.records import Outcome, Status, Verdict
from assay.verifiers.coq.build import statement_compiles
from assay.verifiers.coq.statement import theorem_name
from assay.verifiers.coq.vocabulary import BOOK
from assay.verifiers.proofs import COQ, LexError, mask_strings, scan_words, strip_comments
from assay.verifiers.registry import Registered, register
from assay.verifiers.sandbox import Limits, Sandbox

COMPILES = "compiles"  # the outcome's name (and the flow's Verdict.against)
HEAD = re.compile(r"\s*[A-Z]\w*\s+[^\W\d][\w']*")


class ConjectureError(ValueError):
    """A statement that is not a usable conjecture; the message says why."""


def screened(statement: str) -> str:
    """The comment-free statement, or ConjectureError naming what is refused in it."""
    try:
        name = theorem_name(statement)
        code = strip_comments(statement, COQ).strip()
        masked = mask_strings(code, COQ)
    except (ValueError, LexError) as exc:
        raise ConjectureError(str(exc)) from None
    head = HEAD.match(masked)
    rest = masked[head.end() :] if head else masked
    problems = scan_words(rest, BOOK)
    if problems:
        raise ConjectureError(f"{name}: {problems[0].reason}")
    if re.search(r"\bltac\s*:|:=", rest):
        raise ConjectureError(f"{name}: a statement may not run tactics or carry a body")
    return code


class StatementItem(BaseModel):
    """id (the conjecture's candidate id), the model's statement, and the seed's header."""

    model_config = ConfigDict(extra="allow")

    id: str | int
    statement: str = Field(min_length=1)
    header: str = ""


@register("coq-statement", StatementItem)
class StatementVerifier(Registered):
    def check(self, item: StatementItem, sandbox: Sandbox, limits: Limits) -> Verdict:
        """PASS when the statement is acceptable and elaborates under its header."""
        started = time.perf_counter()
        try:
            screened(item.statement)
        except ConjectureError as exc:
            return _verdict(str(item.id), Status.REJECTED, str(exc), started)
        ok, log = statement_compiles(item.header, item.statement, sandbox, limits)
        status, reason = (Status.PASS, "") if ok else (Status.UNSUPPORTED, "does not compile")
        return _verdict(str(item.id), status, reason, started, log[-1500:])


def _verdict(cid: str, status: Status, reason: str, started: float, tail: str = "") -> Verdict:
    return Verdict(
        cid,
        "coq-statement",
        status,
        int(status is Status.PASS),
        1,
        (Outcome(COMPILES, status, reason),),
        tail,
        time.perf_counter() - started,
        evidence={"reason": reason},
    )
