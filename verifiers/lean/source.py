"""Lean source as assay handles it: comments and strings blanked, headers split, the checked
declaration rebuilt from the canonical statement plus the model's proof body."""

from __future__ import annotations

import re

_NAME = re.compile(
    r"^\s*(?:@\[[^\]]*\]\s*)?(?:(?:private|protected|noncomputable)\s+)*"
    r"(theorem|lemma|example)\b\s*([^\s(:{\[⦃]*)"
)
_PROOF_TAIL = re.compile(r":=\s*(?:by\s+)?(?:sorry|admit)?\s*$")


class SourceError(ValueError):
    """The statement or header cannot be used as given (an item problem, not a candidate one)."""


def blank(text: str) -> str:
    """`text` with comments (`--`, nested `/- -/`) and string literals replaced by spaces.

    Offsets and newlines are kept, so positions still match; what is left is only code.
    """
    out = list(text)
    i, n = 0, len(text)

    def wipe(a: int, b: int) -> None:
        for k in range(a, min(b, n)):
            if out[k] != "\n":
                out[k] = " "

    while i < n:
        if text.startswith("--", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            wipe(i, j)
            i = j
        elif text.startswith("/-", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/-", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("-/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            wipe(i, j)
            i = j
        elif text[i] == '"' or (text[i] == "r" and re.match(r'r#*"', text[i:])):
            j = _string_end(text, i)
            wipe(i, j)
            i = j
        else:
            i += 1
    return "".join(out)


def _string_end(text: str, i: int) -> int:
    if text[i] == "r" and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] in "_'.")):
        hashes = len(re.match(r"r(#*)", text[i:]).group(1))  # type: ignore[union-attr]
        close = '"' + "#" * hashes
        j = text.find(close, i + 2 + hashes)
        return len(text) if j < 0 else j + len(close)
    if text[i] == "r":
        return i + 1
    j = i + 1
    while j < len(text):
        if text[j] == "\\":
            j += 2
        elif text[j] == '"':
            return j + 1
        else:
            j += 1
    return len(text)


def split_header(header: str) -> tuple[str, str]:
    """(imports, preamble): the `import` lines route to a process; the rest is trusted setup
    (`open`, `set_option`, namespaces) run once per process on top of the imports."""
    code = blank(header)
    lines, orig = code.split("\n"), header.split("\n")
    cut = 0
    for k, line in enumerate(lines):
        word = line.strip()
        if word.startswith("import "):
            cut = k + 1
        elif word:
            break
    imports = "\n".join(x.strip() for x in lines[:cut] if x.strip())
    preamble = "\n".join(orig[cut:]).strip()
    if any(x.strip().startswith("import ") for x in lines[cut:]):
        raise SourceError("the header has `import` after other commands; imports must come first")
    return imports, preamble


def statement_head(statement: str) -> tuple[str, str]:
    """(declaration up to and including `:=`, theorem name) from a canonical statement.

    Accepts `... := by sorry`, `... := sorry`, `... :=` or no `:=` at all; `example` is renamed
    so that its axioms can be printed.
    """
    code = blank(statement).rstrip()
    match = _NAME.match(code)
    if match is None:
        raise SourceError("the statement must start with `theorem NAME`, `lemma NAME` or `example`")
    tail = _PROOF_TAIL.search(code)
    head = statement[: tail.start()].rstrip() if tail else statement.rstrip()
    name = match.group(2)
    if match.group(1) == "example":
        name = "assay_example"
        start = match.start(1)
        head = head[:start] + "theorem " + name + head[match.end(1) :]
    elif not name:
        raise SourceError("the statement's theorem has no name")
    return head + " :=", name


def build(statement: str, proof: str) -> tuple[str, str]:
    """(checked text, theorem name): the canonical head with the model's proof body after it."""
    head, name = statement_head(statement)
    body = proof.strip()
    if body.startswith(":="):
        body = body[2:].lstrip()
    return f"{head} {body}\n", name
