"""Mutants and stubs of golden RTL: what a model-written testbench must tell apart from it.

Trusted code (it edits the trusted reference). Mutants: operator swaps, an inverted `if`, an
index off by one; stubs: every output tied to 0, 1, X or left undriven (Z).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from assay.verifiers.verilog.ports import Port

SWAPS = [
    (r"(?<![&|])&(?![&|=])", "|"),
    (r"(?<![&|])\|(?![&|=])", "&"),
    (r"(?<![+])\+(?![+=:])", "-"),
    (r"(?<![-])-(?![-=>:])", "+"),
    (r"(?<!\^)\^(?!~)", "&"),
    (r"==", "!="),
    (r"(?<![<>=!])<(?![<=])", ">"),
    (r"&&", "||"),
    (r"\|\|", "&&"),
    (r"1'b1\b", "1'b0"),
    (r"1'b0\b", "1'b1"),
]
STUBS = ("'0", "'1", "'x", "'z")


def _body_start(text: str) -> int:
    """Index just past the module header, so mutants keep the ports intact."""
    return text.index(");", text.index("module")) + 2


def _if_inversions(text: str, start: int) -> Iterator[str]:
    for m in re.finditer(r"\bif\s*\(", text[start:]):
        open_at = start + m.end() - 1
        depth = 0
        for i in range(open_at, len(text)):
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            if depth == 0:
                yield text[: open_at + 1] + "!(" + text[open_at + 1 : i] + ")" + text[i:]
                break


def mutants(
    text: str, ports: list[Port], per_rule: int = 2, stubs: tuple[str, ...] = ("'0", "'1")
) -> Iterator[tuple[str, str]]:
    """(kind, mutant RTL) pairs: at most `per_rule` sites per rule, first and last."""
    start = _body_start(text)
    for pattern, repl in SWAPS:
        sites = list(re.finditer(pattern, text[start:]))
        for m in {id(s): s for s in (sites[:1] + sites[-1:])}.values() if sites else []:
            a, b = start + m.start(), start + m.end()
            yield f"swap {m.group()}->{repl}", text[:a] + repl + text[b:]
    yield from (("inverted if", t) for t in list(_if_inversions(text, start))[:per_rule])
    for m in list(re.finditer(r"\[(\d+)\]", text[start:]))[:1]:
        a, b = start + m.start(), start + m.end()
        yield "index off-by-one", text[:a] + f"[{int(m.group(1)) + 1}]" + text[b:]
    for value in stubs:
        yield f"stuck {value}", stub(ports, value)


def stub(ports: list[Port], value: str, name: str = "RefModule") -> str:
    """A module with the same ports whose outputs are stuck at `value` ("'z": undriven)."""
    decl = ", ".join(f"{p.direction} [{p.width - 1}:0] {p.name}" for p in ports)
    outs = [p for p in ports if p.direction == "output" and value != "'z"]
    body = "".join(f"  assign {p.name} = {value};\n" for p in outs)
    return f"module {name} ({decl});\n{body}endmodule\n"
