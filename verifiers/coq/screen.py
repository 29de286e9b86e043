"""The Coq proof screen: refuse what can game the check before coqc starts.

The proof body is reduced to comment-free text (the text that is compiled), strings masked, and
then: (1) an identical restatement of the canonical theorem and a `Proof.` ... `Qed.` wrapper
are peeled off; (2) every sentence head must be a tactic, never a command; (3) forbidden words
(`admit`, `Admitted`, `Axiom`, `Fail`, `Redirect`, ...) are refused wherever they appear.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assay.schemas.records import Status
from assay.verifiers.coq.sentences import THEOREM_KEYWORDS, Sentence, head_word, is_tactic_head
from assay.verifiers.coq.sentences import split as split_sentences
from assay.verifiers.coq.vocabulary import BOOK, CHECK_SWITCHES, HEAD_ONLY
from assay.verifiers.proofs import (
    COQ,
    LexError,
    Problem,
    mask_strings,
    normalize,
    scan_words,
    strip_comments,
)
from assay.verifiers.proofs.rules import line_of


@dataclass(frozen=True)
class Screened:
    """The body to compile (comment-free, wrapper and restatement removed) or why not."""

    body: str
    problems: list[Problem] = field(default_factory=list)
    status: Status = Status.PASS  # PASS: go on and compile; otherwise the verdict's status


def _peel(sentences: list[Sentence], text: str, statement: str) -> tuple[int, int, list[Problem]]:
    """Offsets of the body inside `text` once a restatement and Proof./Qed. are removed."""
    problems: list[Problem] = []
    first, last = 0, len(sentences)
    if first < last and head_word(sentences[first].text) in THEOREM_KEYWORDS:
        said = text[sentences[first].start : sentences[first].end]
        if normalize(said) == normalize(statement):
            first += 1
        else:
            where = line_of(text, sentences[first].start)
            problems.append(Problem(Status.CHEAT, "restates the theorem differently", where))
    if first < last and normalize(sentences[first].text) == "Proof.":
        first += 1
    if first < last and normalize(sentences[last - 1].text) in ("Qed.", "Defined."):
        last -= 1
    start = sentences[first].start if first < last else len(text)
    end = sentences[last - 1].end if first < last else len(text)
    return start, end, problems


def _heads(sentences: list[Sentence], masked: str) -> list[Problem]:
    problems = []
    for s in sentences:
        if is_tactic_head(s.text):
            continue
        word = head_word(s.text)
        where = line_of(masked, s.start)
        if re.search(r"\b(Set|Unset)\b", s.text) and CHECK_SWITCHES.search(s.text):
            problems.append(Problem(Status.CHEAT, "switches off a check", where))
        elif word in HEAD_ONLY:
            rule = HEAD_ONLY[word]
            problems.append(Problem(rule.status, f"{rule.reason} (`{word}`)", where))
        elif word not in BOOK:  # words in BOOK are reported by the word scan
            shown = word or s.text.strip()[:20]
            problems.append(
                Problem(Status.REJECTED, f"a command is not a tactic (`{shown}`)", where)
            )
    return problems


def screen(proof: str, statement: str) -> Screened:
    """Screen the model's `proof` for the canonical (trusted) `statement`."""
    try:
        text = strip_comments(proof, COQ)
        masked = mask_strings(text, COQ)
        canonical = strip_comments(statement, COQ)
    except LexError as exc:
        return Screened("", [Problem(Status.COMPILE_ERROR, str(exc))], Status.COMPILE_ERROR)
    start, end, problems = _peel(split_sentences(masked), text, canonical)
    body, masked_body = text[start:end], masked[start:end]
    inner = [Sentence(s.start + start, s.end + start, s.text) for s in split_sentences(masked_body)]
    before = re.sub(r"[^\n]", " ", masked[:start])  # keeps line numbers those of `proof`
    problems += _heads(inner, masked) + scan_words(before + masked_body, BOOK)
    if problems:
        cheat = any(p.status is Status.CHEAT for p in problems)
        return Screened(body, problems, Status.CHEAT if cheat else Status.REJECTED)
    if inner and not inner[-1].terminated and not body.rstrip().endswith("}"):
        problem = Problem(Status.COMPILE_ERROR, "the proof's last sentence has no final `.`")
        return Screened(body, [problem], Status.COMPILE_ERROR)
    return Screened(body, [], Status.PASS)
