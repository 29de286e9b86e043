"""Import miniF2F-rocq: each `<split>/<name>.v` file becomes (id, header, statement).

The files are `header` (imports, scopes, helper definitions), one `Theorem name : ... .`, then
`Proof.` and usually `Admitted.`. Comments are dropped (some headers carry long notes), the
theorem sentence is the statement, everything before it the header, and the proof stub is
ignored: assay supplies `Proof.` and the candidate's body itself.

Most headers import only `Reals` or `ZArith`, and a proof may not `Require` anything, so
`load` puts `PRELUDE` (the standard decision procedures) *before* each header: the header's own
imports and scopes still come last and fix what the statement means.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from assay.verifiers.coq.sentences import THEOREM_KEYWORDS, head_word, split
from assay.verifiers.coq.statement import theorem_name
from assay.verifiers.proofs import COQ, mask_strings, strip_comments

PRELUDE = "From Coq Require Import Lia Lra Psatz."


class MiniF2FError(ValueError):
    """A file that is not one header + one theorem; the message names the file."""


@dataclass(frozen=True)
class Problem:
    id: str  # the theorem's name
    header: str
    statement: str
    path: str  # the source file, for the record


def _tidy(text: str) -> str:
    """Strip trailing blanks and collapse the blank lines a removed comment leaves."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def parse(text: str, path: str = "<text>") -> Problem:
    """One miniF2F-rocq file's text → Problem; raises MiniF2FError naming `path`."""
    try:
        code = strip_comments(text, COQ)
        sentences = split(mask_strings(code, COQ))
    except ValueError as exc:
        raise MiniF2FError(f"{path}: {exc}") from None
    theorem = next((s for s in sentences if head_word(s.text) in THEOREM_KEYWORDS), None)
    if theorem is None:
        raise MiniF2FError(f"{path}: no Theorem/Lemma sentence")
    statement = _tidy(code[theorem.start : theorem.end])
    try:
        name = theorem_name(statement)
    except ValueError as exc:
        raise MiniF2FError(f"{path}: {exc}") from None
    return Problem(name, _tidy(code[: theorem.start]), statement, path)


def load(root: Path, split_name: str = "test", prelude: str = PRELUDE) -> list[Problem]:
    """Every problem of one split (`test` or `valid`), sorted by file name, with `prelude`
    ("" for none) before each header."""
    folder = Path(root) / split_name
    if not folder.is_dir():
        raise FileNotFoundError(f"no miniF2F-rocq split at {folder}")
    problems = [parse(p.read_text(encoding="utf-8"), str(p)) for p in sorted(folder.glob("*.v"))]
    if not prelude:
        return problems
    return [replace(p, header=f"{prelude}\n{p.header}".strip()) for p in problems]
