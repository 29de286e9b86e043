"""The canonical statement: one `Theorem name ... .` sentence, checked before anything runs."""

from __future__ import annotations

from assay.verifiers.coq.sentences import THEOREM_KEYWORDS, split
from assay.verifiers.proofs import COQ, LexError, StatementError, mask_strings, strip_comments
from assay.verifiers.proofs import theorem_name as _declared_name


def theorem_name(statement: str) -> str:
    """The declared name; raises StatementError unless `statement` is exactly one terminated
    `Theorem`/`Lemma`/... sentence (comments allowed)."""
    try:
        text = mask_strings(strip_comments(statement, COQ), COQ)
    except LexError as exc:
        raise StatementError(f"statement: {exc}") from None
    sentences = split(text)
    if len(sentences) != 1 or not sentences[0].terminated:
        raise StatementError(
            "statement must be exactly one sentence ending in `.` (no `Proof.`/`Admitted.`); "
            f"got {len(sentences)}: {statement.strip()[:80]!r}"
        )
    return _declared_name(text, THEOREM_KEYWORDS)
