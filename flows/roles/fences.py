"""Markdown code fences in model completions, read line by line.

A regex over the whole text pairs a closing fence with the next opening one as soon as a block
in another language appears; walking the lines keeps open and close in step. Every domain's
extraction starts here (```python, ```verilog, ```lean).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_OPEN = re.compile(r"^[ \t]*(`{3,}|~{3,})[ \t]*([^\s`]*)[^`]*$")


@dataclass(frozen=True)
class Block:
    """One fenced block: its language tag (lower case, may be empty) and its body."""

    lang: str
    body: str
    closed: bool  # False when the completion ended inside it (cut at max_tokens)


def _closes(line: str, fence: str) -> bool:
    stripped = line.strip()
    return stripped.startswith(fence) and not stripped.lstrip(fence[0])


def fenced_blocks(text: str) -> list[Block]:
    """All fenced blocks in order; an unclosed last block runs to the end of the text."""
    blocks: list[Block] = []
    fence, lang = "", ""
    body: list[str] = []
    for line in text.splitlines():
        if fence:
            if _closes(line, fence):
                blocks.append(Block(lang, "\n".join(body), True))
                fence, body = "", []
            else:
                body.append(line)
            continue
        match = _OPEN.match(line)
        if match:
            fence, lang = match.group(1), match.group(2).lower()
    if fence:
        blocks.append(Block(lang, "\n".join(body), False))
    return blocks


def blocks_in(text: str, langs: frozenset[str]) -> list[str]:
    """Bodies of the blocks tagged with one of `langs` (an untagged block counts when "" is in
    `langs`), in order."""
    return [b.body for b in fenced_blocks(text) if b.lang in langs]


def has_fence(text: str) -> bool:
    return bool(fenced_blocks(text))
