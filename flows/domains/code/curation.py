"""How curation reads a Python response: for exact dedup, its tokens without comments and
layout (a reformat or a comment changes nothing); for near dedup, also its names renamed in
order of first use (v0, v1, ...; keywords and builtins stay), so consistently renamed variables
do not hide a copy."""

from __future__ import annotations

import builtins
import io
import keyword
import re
import tokenize

_SPACE = re.compile(r"\s+")
_COMMENT = re.compile(r"#[^\n]*")
_LAYOUT = frozenset(
    {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT}
)
_LAYOUT |= {tokenize.ENCODING, tokenize.ENDMARKER}
_NAME = re.compile(r"[A-Za-z_]\w*")
_KEEP = frozenset(keyword.kwlist) | frozenset(dir(builtins))


def normal_form(text: str) -> str:
    """The exact-dedup key: Python tokens joined by one space; not Python: a rougher form."""
    try:
        tokens = tokenize.generate_tokens(io.StringIO(text).readline)
        return " ".join(t.string for t in tokens if t.type not in _LAYOUT)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return _SPACE.sub(" ", _COMMENT.sub("", text)).strip()


def near_form(text: str) -> str:
    """What near dedup compares. Shingles are words, so layout needs no tokenizer here:
    dropping comments is enough, and much faster."""
    names: dict[str, str] = {}

    def name(match: re.Match[str]) -> str:
        word = match.group(0)
        return word if word in _KEEP else names.setdefault(word, f"v{len(names)}")

    return _NAME.sub(name, _COMMENT.sub("", text))
