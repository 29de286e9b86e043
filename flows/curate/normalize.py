"""Per-domain normal forms of a sample's text. For exact dedup, what a reformat or a comment
cannot change: Python keeps its tokens without comments and layout; Verilog loses comments and
whitespace; Coq, Lean and anything else lose only whitespace differences. For near dedup, Python
code also has its names renamed in order of first use (v0, v1, ...; keywords and builtins stay),
so consistently renamed variables do not hide a copy."""

from __future__ import annotations

import builtins
import io
import keyword
import re
import tokenize

_SPACE = re.compile(r"\s+")
_VERILOG_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.DOTALL)
_PY_COMMENT = re.compile(r"#[^\n]*")
_PY_LAYOUT = frozenset(
    {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT}
)
_PY_LAYOUT |= {tokenize.ENCODING, tokenize.ENDMARKER}


def _python(text: str) -> str:
    try:
        tokens = tokenize.generate_tokens(io.StringIO(text).readline)
        return " ".join(t.string for t in tokens if t.type not in _PY_LAYOUT)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return _SPACE.sub(" ", _PY_COMMENT.sub("", text)).strip()  # not Python: a rougher form


def _verilog(text: str) -> str:
    return _SPACE.sub("", _VERILOG_COMMENT.sub(" ", text))


def _spaces(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


_BY_DOMAIN = {"code": _python, "verilog": _verilog}


def normal_form(domain: str, text: str) -> str:
    """`text` as the exact-dedup key of `domain` sees it."""
    return _BY_DOMAIN.get(domain, _spaces)(text)


_NAME = re.compile(r"[A-Za-z_]\w*")
_PY_KEEP = frozenset(keyword.kwlist) | frozenset(dir(builtins))


def _renamed(text: str) -> str:
    names: dict[str, str] = {}

    def name(match: re.Match[str]) -> str:
        word = match.group(0)
        return word if word in _PY_KEEP else names.setdefault(word, f"v{len(names)}")

    return _NAME.sub(name, text)


def near_form(domain: str, text: str) -> str:
    """`text` as near dedup compares it (see the module docstring). Shingles are words, so
    layout needs no tokenizer here: dropping comments is enough, and much faster."""
    if domain == "code":
        return _renamed(_PY_COMMENT.sub("", text))
    return _VERILOG_COMMENT.sub(" ", text) if domain == "verilog" else text
