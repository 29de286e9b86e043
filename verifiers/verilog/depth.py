"""How deep a design's states go: how many cycles a long, reset-free episode needs.

Random episodes with frequent resets never reach a counter's wrap at 999, a clock's hour carry or
a timer's expiry. The reference tells how far to go: its counters (a register, or a slice of one,
assigned from itself plus or minus something) can together take 2**(their widths) values, and a
constant it compares against (`q == 999`, a case label) is reached only after as many cycles.
"""

from __future__ import annotations

from assay.verifiers.verilog.source import Token, tokens

DECLARATIONS = {"reg", "logic", "wire", "bit", "output", "integer", "int"}
COMPARE = {"==", "!=", "<", ">", "<=", ">=", "===", "!=="}
_FIXED = {"integer": 32, "int": 32}


def _number(text: str) -> int | None:
    clean = text.replace("_", "").replace(" ", "")
    if any(c in clean for c in "xXzZ?.") or clean in ("'0", "'1"):
        return None
    if "'" not in clean:
        return int(clean)
    rest = clean.split("'", 1)[1].lstrip("sS")
    radix = {"b": 2, "o": 8, "d": 10, "h": 16}.get(rest[:1].lower())
    return int(rest[1:], radix) if radix and rest[1:] else None


def _range(toks: list[Token], at: int) -> tuple[int, int] | None:
    """(width, index past `]`) of a `[msb:lsb]` of plain numbers at `at`; None otherwise."""
    if at + 4 < len(toks) and toks[at].text == "[" and toks[at + 2].text == ":":
        msb, lsb = _number(toks[at + 1].text), _number(toks[at + 3].text)
        if msb is not None and lsb is not None and toks[at + 4].text == "]":
            return abs(msb - lsb) + 1, at + 5
    return None


def _close(toks: list[Token], at: int) -> int:
    """Index just past the `]` matching the `[` at `at`."""
    level = 0
    for k in range(at, len(toks)):
        level += {"[": 1, "]": -1}.get(toks[k].text, 0)
        if level == 0:
            return k + 1
    return len(toks)


def _widths(toks: list[Token]) -> dict[str, int]:
    """Declared widths of the registers, nets and outputs whose range is plain numbers."""
    widths: dict[str, int] = {}
    for i, tok in enumerate(toks):
        if tok.kind != "ident" or tok.text not in DECLARATIONS:
            continue
        width, j = _FIXED.get(tok.text, 1), i + 1
        while j < len(toks) and toks[j].text in ("reg", "logic", "wire", "signed", "unsigned"):
            j += 1
        if (found := _range(toks, j)) is not None:
            width, j = found
        while j < len(toks) and toks[j].kind == "ident":
            widths.setdefault(toks[j].text, width)
            if j + 1 >= len(toks) or toks[j + 1].text != ",":
                break
            j += 2
    return widths


def _joined(toks: list[Token], i: int) -> str:
    """The operator starting at token `i` (the tokenizer splits `==` into two tokens)."""
    two = toks[i].text + (toks[i + 1].text if i + 1 < len(toks) else "")
    return two if two in COMPARE else toks[i].text


def _arithmetic(rhs: list[Token]) -> bool:
    """A `+` or `-` outside any index (`q[$bits(q)-1:1]` is a slice, not a count)."""
    level = 0
    for tok in rhs:
        level += {"[": 1, "]": -1}.get(tok.text, 0)
        if level == 0 and tok.kind == "op" and tok.text in "+-":
            return True
    return False


def counters(toks: list[Token], widths: dict[str, int]) -> dict[str, int]:
    """Registers (or slices, named `q[3:0]`) assigned from themselves plus or minus something,
    at statement level (a `for` header's `i = i + 1` is not a state register)."""
    found: dict[str, int] = {}
    depth, start = 0, True
    for i, tok in enumerate(toks):
        if tok.text in ("(", "[", "{"):
            depth += 1
        elif tok.text in (")", "]", "}"):
            depth -= 1
        if depth == 0 and start and tok.kind == "ident" and tok.text in widths:
            name, width, j = tok.text, widths[tok.text], i + 1
            if (found_range := _range(toks, j)) is not None:
                width, j = found_range
                name = f"{tok.text}[{toks[i + 2].text}:{toks[i + 4].text}]"
            elif toks[j].text == "[":  # an indexed part-select: count the whole register
                j = _close(toks, j)
            if j + 1 < len(toks) and (toks[j].text == "=" or _joined(toks, j) == "<="):
                end = next((k for k in range(j, len(toks)) if toks[k].text == ";"), len(toks))
                rhs = toks[j + 1 : end]
                if width <= 32 and any(t.text == tok.text for t in rhs) and _arithmetic(rhs):
                    found[name] = width
        start = tok.text in (";", "begin", "end", ")", "else", ":") or (
            tok.kind == "ident" and (tok.text in ("always", "always_ff", "initial"))
        )
    return found


def compared(toks: list[Token]) -> list[int]:
    """Constants the design compares against or branches on (comparisons and case labels)."""
    out = []
    for i, tok in enumerate(toks):
        if tok.kind != "number" or (value := _number(tok.text)) is None:
            continue
        before = _joined(toks, i - 2) if i >= 2 else ""
        before = before if before in COMPARE else (toks[i - 1].text if i else "")
        after = _joined(toks, i + 1) if i + 1 < len(toks) else ""
        label = before in (";", ",", ")", "end") and after == ":"
        if before in COMPARE or after in COMPARE or label:
            out.append(value)
    return out


def depth(reference: str) -> int:
    """Cycles after a reset that reach the reference's deepest counted state (unbounded: the
    caller caps it with its budget)."""
    toks = tokens(reference)
    bits = sum(counters(toks, _widths(toks)).values())
    return max([2**bits if bits else 0, *(v + 1 for v in compared(toks))])


def lengths(depth_: int, episodes: int, budget: int, shortest: int) -> tuple[int, ...]:
    """Cycles of each deep episode: the first (inputs held, nothing toggles) may take half the
    budget, the others share the rest; none is shorter than `shortest` or longer than needed."""
    if episodes <= 0:
        return ()
    want = max(shortest, depth_ + depth_ // 8 + 4)
    first = min(want, max(shortest, budget // 2 if episodes > 1 else budget))
    rest = max(shortest, (budget - first) // max(1, episodes - 1))
    return (first, *[min(want, rest)] * (episodes - 1))
