"""Coq sentences and their heads, read from comment-free text whose strings are masked.

Coq ends a sentence at a `.` followed by a blank or the end of the text, and also treats bullets
(`-`, `+`, `*`) and braces at a sentence start as sentences of their own; a goal selector
(`1:`, `all:`, `[x]:`) may prefix a tactic. Only a sentence head can be a vernacular command,
so checking every head is enough to refuse every command. Splitting on *any* Unicode blank
after a dot cuts at least wherever Coq cuts, so no head Coq sees escapes the check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

END = re.compile(r"\.(?=\s|$)")
SELECTOR = re.compile(
    r"(?:all|par|!|\d+(?:\s*-\s*\d+)?(?:\s*,\s*\d+(?:\s*-\s*\d+)?)*|\[\s*[^\W\d][\w']*\s*\])"
    r"\s*:(?!=)"
)
BULLETS = "-+*{}"
THEOREM_KEYWORDS = (
    "Theorem", "Lemma", "Fact", "Remark", "Corollary", "Proposition", "Property", "Example",
)  # fmt: skip


@dataclass(frozen=True)
class Sentence:
    start: int  # offset of the sentence's first character in the text
    end: int  # offset just past its terminating dot (or the end of the text)
    text: str

    @property
    def terminated(self) -> bool:
        return self.text.rstrip().endswith(".")


def split(masked: str) -> list[Sentence]:
    """The sentences of `masked`, blank tails dropped; the last may be unterminated."""
    out, start = [], 0
    for match in END.finditer(masked):
        out.append(Sentence(start, match.end(), masked[start : match.end()]))
        start = match.end()
    if masked[start:].strip():
        out.append(Sentence(start, len(masked), masked[start:]))
    return out


def head(sentence: str) -> str:
    """The sentence without leading blanks (Unicode ones too), bullets, braces and selectors."""
    text = sentence
    while True:
        rest = text.lstrip().lstrip(BULLETS)
        match = SELECTOR.match(rest)
        if match:
            rest = rest[match.end() :]
        if rest == text:
            return text
        text = rest


def head_word(sentence: str) -> str:
    """The first word of the head ("" when the head does not start with an identifier)."""
    match = re.match(r"[^\W\d][\w']*", head(sentence))
    return match.group() if match else ""


def is_tactic_head(sentence: str) -> bool:
    """True when the head starts like a tactic: an ASCII lowercase word, `_`, `(` or `[`, or
    nothing at all (a sentence of bullets and braces). Every Coq command starts with an
    uppercase word or `#[`, so anything else is treated as a command."""
    text = head(sentence)
    if not text or text == ".":
        return True
    first = text[0]
    return first in "([_" or ("a" <= first <= "z")
