"""Seeded stimulus for the differential testbench: what each input gets on each cycle.

Uniform random values miss behaviour that needs a rare value (a decoder's scancode, a timer
loaded near zero) or a long run of one level (a fall that lasts 20 cycles). So each episode has
a bias (`bias` = episode % 4): one-bit inputs are uniform, mostly 0 or mostly 1 (in kind 3 each
input has its own of the three, `mix`, drawn per episode: an FSM may need one input mostly 0
while another is random), and wide inputs are sometimes 0, a small number, or a constant that
appears in the reference.

Deep episodes (`hold`) reach what needs many cycles without a reset: after one reset the inputs
keep their values and change rarely. Kind (`bias`) 0 holds every one-bit input at 1 (enables
high) and never changes anything; kinds 1-3 start one-bit inputs mostly at 1, at 0, or at
random, and about every `period` cycles one input (chosen at random) toggles or is redrawn.
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


def uniform(width: int) -> str:
    """A uniformly random value of `width` bits."""
    return "{" + ", ".join(["$random(seed)"] * -(-width // 32)) + "}"


def _bit(name: str, j: int) -> str:
    """Kind `bias` 3 mixes: each one-bit input has its own of the three, drawn per episode."""
    rare = "(($random(seed) & 7) == 0)"
    own = f"(bias == 3 ? mix[{2 * j + 1}:{2 * j}] : bias)"
    return f"{name} = {own} == 1 ? {rare} : {own} == 2 ? !{rare} : $random(seed);"


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
    lines.append(f"      else {name} = {uniform(width)};")
    return lines


def drive(
    data: list[Port], resets: list[Port], var: dict[str, str], rate: float, pool: tuple[int, ...]
) -> list[str]:
    """The `drive(phase)` task: phase >= 0 holds reset combination `phase`, -1 is random."""
    lines = ["  task drive(input integer phase);", "    begin"]
    for j, p in enumerate(data):
        name = var[p.name]
        lines += [f"      {_bit(name, j)}"] if p.width == 1 else _word(name, p.width, pool)
    threshold = int(rate * 65536)
    for j, p in enumerate(resets):
        on, off = ("1'b0", "1'b1") if ACTIVE_LOW.search(p.name) else ("1'b1", "1'b0")
        hit = f"(phase >= 0 ? ((phase >> {j}) & 1) : (($random(seed) & 65535) < {threshold}))"
        lines.append(f"      {var[p.name]} = {hit} ? {on} : {off};")
    return [*lines, "    end", "  endtask"]


def hold(
    data: list[Port], resets: list[Port], var: dict[str, str], pool: tuple[int, ...]
) -> list[str]:
    """The `hold(start, period)` task of deep episodes: all inputs drawn at `start`, then one
    input redrawn about every `period` cycles (never in kind 0); resets stay released."""
    lines = ["  task hold(input integer start, input integer period);", "    begin"]
    lines.append(
        "      pick = start ? -1 : (bias != 0 && ({$random(seed)} % period) == 0)"
        f" ? {{$random(seed)}} % {max(1, len(data))} : -2;"
    )
    start = {0: "1'b1", 1: "(($random(seed) & 3) != 0)", 2: "1'b0", 3: "$random(seed)"}
    for j, p in enumerate(data):
        name = var[p.name]
        lines.append(f"      if (pick == -1 || pick == {j}) begin")
        if p.width == 1:
            first = " : ".join(f"bias == {k} ? {v}" for k, v in list(start.items())[:3])
            lines.append(f"        {name} = pick == -1 ? ({first} : {start[3]}) : !{name};")
        else:
            lines += ["  " + line for line in _word(name, p.width, pool)]
        lines.append("      end")
    for p in resets:
        off = "1'b1" if ACTIVE_LOW.search(p.name) else "1'b0"
        lines.append(f"      {var[p.name]} = {off};")
    return [*lines, "    end", "  endtask"]
