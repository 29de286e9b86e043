"""Verilog source as tokens: comments dropped, strings and numbers kept whole.

Hygiene and the port parser look at tokens, never at raw text, so a keyword inside a comment or a
string can neither hide a forbidden construct nor trigger a false rejection.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_TOKEN = re.compile(
    r"""
    (?P<comment>//[^\n]*|/\*.*?(?:\*/|\Z))
  | (?P<string>"(?:\\.|[^"\\\n])*"?)
  | (?P<system>\$[A-Za-z_][\w$]*)
  | (?P<directive>`[A-Za-z_]\w*)
  | (?P<number>(?:\d[\d_]*\s*)?'[sS]?[bBoOdDhH]\s*[0-9a-fA-FxXzZ?_]+|'[01xXzZ]|\d[\d_]*(?:\.\d+)?)
  | (?P<escaped>\\\S+)
  | (?P<ident>[A-Za-z_][\w$]*)
  | (?P<op>::|\#\#|\.\*|\S)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    kind: str  # string, system, directive, number, escaped, ident, op
    text: str
    line: int


@lru_cache(maxsize=64)  # one check reads the same text several times (hygiene, ports, rename)
def _cached(text: str) -> tuple[Token, ...]:
    return tuple(_scan(text))


def tokens(text: str) -> list[Token]:
    """Every token of `text` except comments, with its 1-based line number."""
    return list(_cached(text))


def _scan(text: str) -> list[Token]:
    out: list[Token] = []
    line = 1
    pos = 0
    for match in _TOKEN.finditer(text):
        line += text.count("\n", pos, match.start())
        pos = match.start()
        kind = match.lastgroup or "op"
        if kind != "comment":
            out.append(Token(kind, match.group(), line))
    return out


def module_names(toks: list[Token]) -> list[str]:
    """Names of the modules (and macromodules) declared in a token stream, in order."""
    names = []
    for i, tok in enumerate(toks[:-1]):
        if tok.kind == "ident" and tok.text in ("module", "macromodule"):
            nxt = toks[i + 1]
            if nxt.kind == "ident" and nxt.text in ("automatic", "static") and i + 2 < len(toks):
                nxt = toks[i + 2]
            if nxt.kind in ("ident", "escaped"):
                names.append(nxt.text)
    return names


def rename_modules(text: str, suffix: str) -> tuple[str, dict[str, str]]:
    """Append `suffix` to every module the text declares, wherever the name is used in it.

    Used on trusted reference code so that its modules cannot collide with the candidate's.
    """
    names = {n: n + suffix for n in module_names(tokens(text)) if not n.startswith("\\")}
    out, last = [], 0
    for match in _TOKEN.finditer(text):
        if match.lastgroup == "ident" and match.group() in names:
            out.append(text[last : match.start()] + names[match.group()])
            last = match.end()
    out.append(text[last:])
    return "".join(out), names


def spans(text: str) -> list[tuple[Token, int, int]]:
    """Every token of `text` except comments, with its start and end offsets: for tools that
    edit source in place (mutants of trusted golden designs)."""
    out, line, pos = [], 1, 0
    for match in _TOKEN.finditer(text):
        line += text.count("\n", pos, match.start())
        pos = match.start()
        if match.lastgroup != "comment":
            out.append((Token(match.lastgroup or "op", match.group(), line), *match.span()))
    return out
