"""The differential testbench assay writes: reference and candidate side by side.

Names inside it carry a per-run nonce, so the candidate can neither refer to the testbench nor
forge its report; the report is one line with that nonce, the vector count and mismatch count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assay.verifiers.verilog.config import SimConfig
from assay.verifiers.verilog.depth import lengths
from assay.verifiers.verilog.ports import Port
from assay.verifiers.verilog.stimulus import drive, hold, uniform

CLOCK = re.compile(r"^(clk|clock)(_?\w+)?$|^\w+_(clk|clock)$", re.IGNORECASE)
RESET = re.compile(r"(^|_)a?(rst|reset)(_?n|_b)?$", re.IGNORECASE)


class Unsupported(ValueError):
    """The design is outside what the differential testbench can drive; the message says why."""


@dataclass(frozen=True)
class Plan:
    text: str  # the testbench module
    vectors: int  # comparisons it must report
    clock: str  # the clock input, "" for combinational designs
    resets: tuple[str, ...]
    deep: tuple[int, ...] = ()  # cycles of each deep episode (after one reset, inputs held)


def plan(
    ports: list[Port],
    cfg: SimConfig,
    seed: int,
    nonce: str,
    ref: str,
    top: str,
    pool: tuple[int, ...] = (),
    depth: int = 0,
) -> Plan:
    """The testbench for a design with `ports` (`pool`: constants worth driving; `depth`: cycles
    a reset-free episode needs, `depth.depth`); raises Unsupported for what it cannot drive."""
    if any(p.direction == "inout" for p in ports):
        raise Unsupported("inout ports are not supported by the differential check")
    ins = [p for p in ports if p.direction == "input"]
    outs = [p for p in ports if p.direction == "output"]
    if not outs:
        raise Unsupported("the design has no outputs to compare")
    clocks = [p for p in ins if CLOCK.match(p.name)]
    if len(clocks) > 1 or (clocks and clocks[0].width != 1):
        names = ", ".join(p.name for p in clocks)
        raise Unsupported(f"multi-clock or wide clock ({names}) is not supported")
    clock = clocks[0].name if clocks else ""
    resets = [p for p in ins if clock and p.width == 1 and RESET.search(p.name)]
    data = [p for p in ins if p.name != clock and p not in resets]
    var = {p.name: f"v{i}_{nonce}" for i, p in enumerate(ports)}
    lines = [f"module assay_tb_{nonce};", f"  integer seed = {seed};", "  integer vectors = 0;"]
    lines += ["  integer mismatches = 0;", "  integer bad, e, c, k, bias, pick;"]
    lines.append("  reg first = 1;")
    mix = 2 * max(1, len(data))  # two bits per data input: its own bias in kind-3 episodes
    lines.append(f"  reg [{mix - 1}:0] mix = 0;")
    for p in ins:
        lines.append(f"  reg [{p.width - 1}:0] {var[p.name]} = 0;")
    for p in outs:
        lines.append(f"  wire [{p.width - 1}:0] r{var[p.name]}, d{var[p.name]};")
        lines.append(f"  integer n{var[p.name]} = 0;")
    for module, prefix in ((ref, "r"), (top, "d")):
        conns = [f".{p.name} ({prefix if p in outs else ''}{var[p.name]})" for p in ports]
        lines.append(f"  {module} {prefix}u_{nonce} ({', '.join(conns)});")
    deep = lengths(depth, cfg.deep_episodes, cfg.deep_budget, cfg.deep_cycles) if clock else ()
    lines += _tasks(outs, data, resets, clock, var, cfg, nonce, pool, deep)
    steps = cfg.episodes * (cfg.cycles + (cfg.reset_cycles if resets else 0))
    steps += sum(deep) + len(deep) * (max(1, cfg.reset_cycles) if resets else 0)
    per_step = 3 if clock else 1
    text = "\n".join(lines) + "\nendmodule\n"
    return Plan(text, steps * per_step, clock, tuple(p.name for p in resets), deep)


def _tasks(
    outs: list[Port],
    data: list[Port],
    resets: list[Port],
    clock: str,
    var: dict[str, str],
    cfg: SimConfig,
    nonce: str,
    pool: tuple[int, ...],
    deep: tuple[int, ...],
) -> list[str]:
    tag = f"ASSAY-{nonce}"
    widest = max(p.width for p in outs)
    lines = [
        f"  function automatic differs(input [{widest - 1}:0] r, input [{widest - 1}:0] d,",
        "                             input integer w);",
        "    integer b;",
        "    begin",
        "      differs = 0;",
        "      for (b = 0; b < w; b = b + 1) if (r[b] !== 1'bx && r[b] !== d[b]) differs = 1;",
        "    end",
        "  endfunction",
    ]
    lines += drive(data, resets, var, cfg.reset_rate, pool) + hold(data, resets, var, pool)
    lines += ["  task compare;", "    begin", "      bad = 0;"]
    lines.append("      vectors = vectors + 1;")
    for p in outs:
        r, d = f"r{var[p.name]}", f"d{var[p.name]}"
        # r ^ d ^ r is X where r is X (don't-care) or either is Z, d elsewhere: a cheap filter
        # before the per-bit loop, which only a mismatch (or a Z in the reference) reaches
        test = f"{r} !== {d}"
        if cfg.x_is_dont_care:
            test += f" && {r} !== ({r} ^ {d} ^ {r})) if (differs({r}, {d}, {p.width})"
        show = f'"{tag} FIRST vector=%0d time=%0t signal={p.name} expected=%b got=%b"'
        lines += [
            f"      if ({test}) begin",
            f"        bad = 1; n{var[p.name]} = n{var[p.name]} + 1;",
            f"        if (first) $display({show}, vectors, $time, {r}, {d});",
            "        first = 0;",
            "      end",
        ]
    lines += ["      if (bad) mismatches = mismatches + 1;", "    end", "  endtask"]
    lines += ["  task tick;", "    begin"]
    if clock:
        ck = var[clock]
        lines += [f"      #1 compare; #1 {ck} = 1; #1 compare; #1 {ck} = 0; #1 compare; #1;"]
    else:
        lines += ["      #1 compare; #1;"]
    lines += ["    end", "  endtask", "  initial begin"]
    lines.append(f"    for (e = 0; e < {cfg.episodes}; e = e + 1) begin")
    lines.append("      bias = e % 4;")
    lines.append(f"      mix = {uniform(2 * max(1, len(data)))};")
    if resets:
        top = 2 ** len(resets) - 1  # episode 0 asserts every reset, then every combination
        lines.append("  " + _loop(cfg.reset_cycles, f"drive({top} - e % {top + 1})"))
    lines += ["  " + _loop(cfg.cycles, "drive(-1)"), "    end"]
    for e, cycles in enumerate(deep):  # one reset, then inputs held and changed rarely
        lines.append(f"    bias = {e % 4};")
        if resets:
            lines.append(_loop(max(1, cfg.reset_cycles), f"drive({2 ** len(resets) - 1})"))
        lines.append(_loop(cycles, f"hold(c == 0, {max(8, cycles // 8)})"))
    lines.append(f'    $display("{tag} RESULT vectors=%0d mismatches=%0d", vectors, mismatches);')
    for p in outs:
        show = f'"{tag} OUTPUT signal={p.name} mismatches=%0d"'
        lines.append(f"    $display({show}, n{var[p.name]});")
    lines += ["    $finish(0);", "  end"]
    return lines


def _loop(cycles: int, drive: str) -> str:
    """`cycles` clock cycles (or combinational steps), each driving the inputs with `drive`."""
    return f"    for (c = 0; c < {cycles}; c = c + 1) begin {drive}; tick; end"
