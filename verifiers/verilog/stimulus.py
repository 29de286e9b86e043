"""Seeded stimulus for the differential testbench: what each input gets on each cycle.

Uniform random values miss behaviour that needs a rare value (a decoder's scancode, a timer
loaded near zero) or a long run of one level (a fall that lasts 20 cycles). So each episode has
a bias (`bias` = episode % 4): one-bit inputs are uniform, mostly 0 or mostly 1, and wide
inputs are sometimes 0, a small number, or a constant that appears in the reference.
"""

from __future__ import annotations

import re

from assay.verifiers.verilog.ports import Port
from assay.verifiers.verilog.source import tokens

ACTIVE_LOW = re.compile(r"(rst|reset)(_?n|_b)$", re.IGNORECASE)
MAX_CONSTANTS = 32


def constants(reference: str) -> tuple[int, ...]:
    """Distinct fully known integer literals of the reference, small ones first."""
    found: set[int] = set()
    for tok in tokens(reference):
        if tok.kind != "number" or "." in tok.text or re.search(r"[xXzZ?]", tok.text):
            continue
        text = tok.text.replace("_", "").replace(" ", "")
        if "'" not in text:
            found.add(int(text))
            continue
        base, digits = text.split("'", 1)[1].lstrip("sS")[:1].lower(), text.split("'", 1)[1]
        digits = digits.lstrip("sS")[1:]
        radix = {"b": 2, "o": 8, "d": 10, "h": 16}.get(base)
        if radix and digits:
            found.add(int(digits, radix))
    return tuple(sorted(found)[:MAX_CONSTANTS])


def _uniform(width: int) -> str:
    return "{" + ", ".join(["$random(seed)"] * -(-width // 32)) + "}"


def _bit(name: str) -> str:
    rare = "(($random(seed) & 7) == 0)"
    return f"{name} = bias == 1 ? {rare} : bias == 2 ? !{rare} : $random(seed);"


def _word(name: str, width: int, pool: tuple[int, ...]) -> list[str]:
    fits = [c for c in pool if c < 2**width]
    lines = [
        "      k = {$random(seed)} % 8;",
        f"      if (bias != 0 && k == 0) {name} = 0;",
        f"      else if (bias != 0 && k == 1) {name} = {{$random(seed)}} % 4;",
    ]
    if fits:
        cases = " ".join(f"{i}: {name} = {width}'d{c};" for i, c in enumerate(fits))
        lines.append(
            f"      else if (bias != 0 && k < 4) case ({{$random(seed)}} % {len(fits)}) "
            f"{cases} endcase"
        )
    lines.append(f"      else {name} = {_uniform(width)};")
    return lines


def drive(
    data: list[Port], resets: list[Port], var: dict[str, str], rate: float, pool: tuple[int, ...]
) -> list[str]:
    """The `drive(phase)` task: phase >= 0 holds reset combination `phase`, -1 is random."""
    lines = ["  task drive(input integer phase);", "    begin"]
    for p in data:
        name = var[p.name]
        lines += [f"      {_bit(name)}"] if p.width == 1 else _word(name, p.width, pool)
    threshold = int(rate * 65536)
    for j, p in enumerate(resets):
        on, off = ("1'b0", "1'b1") if ACTIVE_LOW.search(p.name) else ("1'b1", "1'b0")
        hit = f"(phase >= 0 ? ((phase >> {j}) & 1) : (($random(seed) & 65535) < {threshold}))"
        lines.append(f"      {var[p.name]} = {hit} ? {on} : {off};")
    return [*lines, "    end", "  endtask"]
