"""The trusted filter for model-written conjectures (STP-style rounds), cheapest first.

A conjecture is a statement the model proposed, so it is screened like any model text before
anything compiles it: exactly one `Theorem name ... .` sentence, none of the verifier's forbidden
words, no `ltac:` term and no `:=` body. Then it must elaborate under the seed's header (the Coq
package's trusted `statement_compiles`, in the sandbox), and, as in DeepSeek-Prover, its negation
must not be provable by a cheap automatic tactic script (assay's own, `NEGATION_PROOF`, checked
by the real Coq verifier): a refuted conjecture would only waste proof attempts.
"""

from __future__ import annotations

import re
import time

from assay.schemas.records import Outcome, Status, Verdict
from assay.verifiers.coq import statement_compiles, theorem_name
from assay.verifiers.coq.vocabulary import BOOK
from assay.verifiers.proofs import COQ, LexError, mask_strings, scan_words, strip_comments
from assay.verifiers.sandbox import Limits, Sandbox

COMPILES, NEGATION = "compiles", "negation"  # Verdict.against of the two filter checks
NEGATED_NAME = "assay_negation"
_CHEAP = "first [ lia | nia ]"
NEGATION_PROOF = (  # instantiate every leading binder with a small number, then decide
    "intro H; first [ lia | nia | solve [ intuition ] "
    + "".join(
        f"| ({lead}repeat specialize (H {v}); {_CHEAP}) "
        for lead, v in (
            ("", 0),
            ("", 1),
            ("", 2),
            ("specialize (H 1); ", 0),
            ("specialize (H 0); ", 1),
        )
    )
    + "]."
)
_HEAD = re.compile(r"\s*[A-Z]\w*\s+[^\W\d][\w']*")


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
    head = _HEAD.match(masked)
    rest = masked[head.end() :] if head else masked
    problems = scan_words(rest, BOOK)
    if problems:
        raise ConjectureError(f"{name}: {problems[0].reason}")
    if re.search(r"\bltac\s*:|:=", rest):
        raise ConjectureError(f"{name}: a statement may not run tactics or carry a body")
    return code


def proposition(statement: str) -> str:
    """`Theorem n (x : nat) (h : P x) : Q x.` → `forall (x : nat) (h : P x), Q x`."""
    code = screened(statement)
    head = _HEAD.match(code)
    rest = code[head.end() :] if head else code
    rest = rest.strip().removesuffix(".")
    depth = 0
    for i, ch in enumerate(rest):
        depth += (ch in "([{") - (ch in ")]}")
        if ch == ":" and depth == 0 and not rest.startswith(":=", i):
            binders, body = rest[:i].strip(), rest[i + 1 :].strip()
            return f"forall {binders}, {body}" if binders else body
    raise ConjectureError(f"{theorem_name(statement)}: no `:` before the statement's type")


def negation(statement: str) -> str:
    """The canonical statement of the conjecture's negation."""
    return f"Theorem {NEGATED_NAME} : ~ ({proposition(statement)})."


def compile_check(
    candidate_id: str, header: str, statement: str, sandbox: Sandbox, limits: Limits
) -> Verdict:
    """PASS when the statement is acceptable and elaborates under `header`."""
    started = time.perf_counter()
    try:
        screened(statement)
    except ConjectureError as exc:
        return _verdict(candidate_id, Status.REJECTED, str(exc), started)
    ok, log = statement_compiles(header, statement, sandbox, limits)
    status, reason = (Status.PASS, "") if ok else (Status.UNSUPPORTED, "does not compile")
    return _verdict(candidate_id, status, reason, started, log[-1500:])


def compile_checks(items: list[tuple[str, str, str]], limits: Limits) -> list[Verdict]:
    """(candidate id, header, statement) → `compile_check` verdicts, in a sandbox of this process
    (the driver, so it needs coqc when conjecture rounds are on): no registered verifier gives
    the trusted `coq-statement` verdict. The sandbox opens only when there are items and is
    closed before this returns, even when a check raises."""
    if not items:
        return []
    from assay.verifiers.sandbox import open_sandbox

    with open_sandbox() as sandbox:
        return [compile_check(cid, header, text, sandbox, limits) for cid, header, text in items]


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
        against=COMPILES,
    )


def negation_item(candidate_id: str, header: str, statement: str) -> dict:
    """The `coq` verifier input that tries to refute the conjecture."""
    return {
        "id": candidate_id,
        "statement": negation(statement),
        "proof": NEGATION_PROOF,
        "header": header,
    }


def kept(compiles: Verdict | None, refuted: Verdict | None) -> bool:
    """A conjecture is worth proof attempts when it compiles and its negation was not proved."""
    return bool(compiles and compiles.passed and refuted and not refuted.passed)
