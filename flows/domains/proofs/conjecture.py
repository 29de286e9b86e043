"""The trusted filter for model-written conjectures (STP-style rounds), cheapest first.

A conjecture is a statement the model proposed, so it is screened like any model text before
anything compiles it: exactly one `Theorem name ... .` sentence, none of the verifier's forbidden
words, no `ltac:` term and no `:=` body. Then it must elaborate under the seed's header (both by
the `coq-statement` verifier, on the check lane), and, as in DeepSeek-Prover, its negation
must not be provable by a cheap automatic tactic script (assay's own, `NEGATION_PROOF`, checked
by the real Coq verifier): a refuted conjecture would only waste proof attempts.
"""

from __future__ import annotations

from assay.schemas.records import Verdict
from assay.verifiers.coq import theorem_name
from assay.verifiers.coq.conjecture import COMPILES, HEAD, ConjectureError, screened

__all__ = ["COMPILES", "NEGATION", "ConjectureError", "kept", "negation", "negation_item",
           "proposition", "screened", "statement_item"]  # fmt: skip

NEGATION = "negation"  # Verdict.against of the negation check (COMPILES: the statement's)
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


def proposition(statement: str) -> str:
    """`Theorem n (x : nat) (h : P x) : Q x.` → `forall (x : nat) (h : P x), Q x`."""
    code = screened(statement)
    head = HEAD.match(code)
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


def statement_item(candidate_id: str, header: str, statement: str) -> dict:
    """The `coq-statement` verifier input that screens the conjecture and compiles it."""
    return {"id": candidate_id, "statement": statement, "header": header}


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
