"""Forbidden-word rules: the cheapest anti-cheat layer, run on masked proof text before any
prover starts.

A rule names a whole word (an identifier token, so `admit` does not match `admitted_lemma`)
and the status a proof containing it earns: `cheat` for words that can only serve to game the
check (`Admitted`, `sorry`, a new `Axiom`), `rejected` for constructs that are refused but not
evidence of intent. Scanning runs on text whose comments are gone and whose strings are masked
(`lexing`), so a word is found exactly when the prover would read it as code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from assay.schemas.records import Status

# Identifier characters of Coq and Lean alike: letters (Unicode too), digits, _ and '.
WORD = re.compile(r"[^\W\d][\w']*")


@dataclass(frozen=True)
class Rule:
    word: str
    status: Status  # Status.CHEAT or Status.REJECTED
    reason: str

    def __post_init__(self) -> None:
        if self.status not in (Status.CHEAT, Status.REJECTED):
            raise ValueError(f"rule {self.word!r}: status must be cheat or rejected")
        if not WORD.fullmatch(self.word):
            raise ValueError(f"rule {self.word!r}: must be a single identifier")


@dataclass(frozen=True)
class Problem:
    """One reason to refuse a proof, with where it was found (1-based line of the proof text)."""

    status: Status
    reason: str
    line: int = 0


def rulebook(rules: Iterable[Rule]) -> dict[str, Rule]:
    """Rules by word; a word listed twice is a configuration error."""
    book: dict[str, Rule] = {}
    for rule in rules:
        if rule.word in book:
            raise ValueError(f"rule for {rule.word!r} listed twice")
        book[rule.word] = rule
    return book


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def scan_words(masked: str, book: dict[str, Rule]) -> list[Problem]:
    """Every forbidden word in `masked` (comment-free, strings masked), in order of appearance.

    Qualified names are split at dots (`Foo.admit` finds `admit`): stricter, never looser.
    """
    problems = []
    for match in WORD.finditer(masked):
        rule = book.get(match.group())
        if rule is not None:
            where = line_of(masked, match.start())
            problems.append(Problem(rule.status, f"{rule.reason} (`{rule.word}`)", where))
    return problems


def worst(problems: Iterable[Problem]) -> Status:
    """CHEAT if any problem is cheating, else REJECTED."""
    return Status.CHEAT if any(p.status is Status.CHEAT for p in problems) else Status.REJECTED
