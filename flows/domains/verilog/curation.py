"""How curation reads a Verilog response: without comments, and (for exact dedup) without
whitespace, so a reformat or a comment does not hide a copy."""

from __future__ import annotations

import re

_SPACE = re.compile(r"\s+")
_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.DOTALL)


def normal_form(text: str) -> str:
    """The exact-dedup key: no comments, no whitespace."""
    return _SPACE.sub("", _COMMENT.sub(" ", text))


def near_form(text: str) -> str:
    """What near dedup compares: the words without comments."""
    return _COMMENT.sub(" ", text)
