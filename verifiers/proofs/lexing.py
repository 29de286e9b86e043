"""Comments and strings of a proof language, removed or masked before any rule looks at a proof.

Rules must see what the prover sees: a forbidden word inside a comment is harmless, and a
harmless-looking comment must not hide text from the scanner. So assay checks *and compiles* the
comment-free text this module returns, never the original; only strings then remain, and those
are masked (contents blanked, length kept) for scanning. The lexing is parametrised so that one
implementation serves Coq (`(* *)`, nested, strings lexed inside comments, `""` escapes) and
Lean (`/- -/`, nested, `--` line comments, backslash escapes).
"""

from __future__ import annotations

from dataclasses import dataclass


class LexError(ValueError):
    """An unterminated comment or string: the text cannot be checked as given."""


@dataclass(frozen=True)
class Syntax:
    """How one language writes comments and strings."""

    block_open: str
    block_close: str
    nested: bool = True
    line_comment: str = ""  # "" when the language has none
    quote: str = '"'
    doubled_quote: bool = False  # Coq: "" inside a string is one quote
    backslash_escape: bool = False  # Lean: \" inside a string is one quote
    strings_in_comments: bool = False  # Coq lexes strings inside comments ("*)" in one is text)

    def __post_init__(self) -> None:
        if not self.block_open or not self.block_close or not self.quote:
            raise ValueError("Syntax needs block comment delimiters and a quote character")


COQ = Syntax("(*", "*)", nested=True, doubled_quote=True, strings_in_comments=True)
LEAN = Syntax("/-", "-/", nested=True, line_comment="--", backslash_escape=True)


def _string_end(text: str, i: int, syn: Syntax) -> int:
    """Index just past the string that opens at `i`."""
    j = i + 1
    while j < len(text):
        c = text[j]
        if syn.backslash_escape and c == "\\":
            j += 2
            continue
        if c == syn.quote:
            if syn.doubled_quote and text.startswith(syn.quote, j + 1):
                j += 2
                continue
            return j + 1
        j += 1
    raise LexError(f"unterminated string starting at offset {i}")


def _comment_end(text: str, i: int, syn: Syntax) -> int:
    """Index just past the block comment that opens at `i` (nesting and inner strings obeyed)."""
    depth, j = 0, i
    while j < len(text):
        if text.startswith(syn.block_open, j):
            if depth and not syn.nested:
                j += len(syn.block_open)
                continue
            depth += 1
            j += len(syn.block_open)
        elif text.startswith(syn.block_close, j):
            depth -= 1
            j += len(syn.block_close)
            if depth == 0:
                return j
        elif syn.strings_in_comments and text[j] == syn.quote:
            try:
                j = _string_end(text, j, syn)
            except LexError:
                raise LexError(f"unterminated string inside the comment at offset {i}") from None
        else:
            j += 1
    raise LexError(f"unterminated comment starting at offset {i}")


def _blank(piece: str) -> str:
    """What a removed comment becomes: one space plus its newlines (line numbers stay right)."""
    return " " + "\n" * piece.count("\n")


def strip_comments(text: str, syn: Syntax) -> str:
    """`text` without comments (each replaced by a blank); strings are kept verbatim."""
    out: list[str] = []
    i = start = 0
    while i < len(text):
        if text.startswith(syn.block_open, i):
            end = _comment_end(text, i, syn)
        elif syn.line_comment and text.startswith(syn.line_comment, i):
            nl = text.find("\n", i)
            end = len(text) if nl < 0 else nl
        elif text[i] == syn.quote:
            i = _string_end(text, i, syn)
            continue
        else:
            i += 1
            continue
        out.append(text[start:i])
        out.append(_blank(text[i:end]))
        i = start = end
    out.append(text[start:])
    return "".join(out)


def mask_strings(text: str, syn: Syntax) -> str:
    """Comment-free `text` with every string's contents blanked (same length, newlines kept), so
    that words and sentence ends inside strings are invisible to the rules."""
    out: list[str] = []
    i = start = 0
    while i < len(text):
        if text[i] != syn.quote:
            i += 1
            continue
        end = _string_end(text, i, syn)
        inner = text[i + 1 : end - 1]
        masked = "".join(c if c == "\n" else " " for c in inner)
        out.append(text[start:i] + syn.quote + masked + syn.quote)
        i = start = end
    out.append(text[start:])
    return "".join(out)
