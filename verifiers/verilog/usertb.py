"""Model-written testbenches: accepted only if they tell the golden design from broken ones.

A run's outcome never rests on what the testbench prints alone. assay adds its own root module
(`assay_end_<nonce>`) whose `final` block prints `ASSAY-<nonce> END t=<time>`; nobody else knows
the nonce. A run *passes* only if vvp exits 0 within the limits, that line appears once, no
`ERROR:`/`FATAL:` line ($error, $fatal) or `Mismatches: N` with N > 0 appears, and — when the
golden run is known — the end time equals the golden run's (a correct design replays it
exactly). The design under test is the trusted golden (wrapped, so the testbench cannot reach
its internals), a stub/mutant, or a hygiene-screened candidate (no system tasks, no `$finish`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assay.verifiers.sandbox import Limits, Sandbox
from assay.verifiers.verilog.compile import FAILED, LOG, simulate, without_timescale
from assay.verifiers.verilog.config import SimConfig
from assay.verifiers.verilog.ports import Port
from assay.verifiers.verilog.source import rename_modules

_BAD = re.compile(rb"^(ERROR|FATAL): |Mismatches: *[1-9]", re.MULTILINE)


@dataclass(frozen=True)
class TbRun:
    outcome: str  # passed, failed, timeout, compile_error, error
    end_time: int  # -1 when the END line is missing
    detail: str


def wrap(design: str, inner: str, top: str, ports: list[Port], suffix: str) -> str:
    """`design` with every module renamed, plus a module `top` that only instantiates `inner`."""
    text, names = rename_modules(without_timescale(design), suffix)
    decl = ", ".join(f"{p.direction} [{p.width - 1}:0] {p.name}" for p in ports)
    conns = ", ".join(f".{p.name}({p.name})" for p in ports)
    return f"{text}\nmodule {top} ({decl});\n  {names[inner]} u{suffix} ({conns});\nendmodule\n"


def run(
    testbench: str, design: str, nonce: str, sandbox: Sandbox, limits: Limits, cfg: SimConfig,
    golden_end: int | None = None,
) -> TbRun:  # fmt: skip
    """Compile and run the testbench (its modules renamed) against `design` (defining `top`)."""
    tb, _ = rename_modules(without_timescale(testbench), f"_tb_{nonce}")
    tag = f"ASSAY-{nonce} END"
    probe = f'module assay_end_{nonce};\n  final $display("{tag} t=%0t", $time);\nendmodule\n'
    sources = {"design.sv": without_timescale(design), "tb.sv": tb, "probe.sv": probe}
    ex = simulate(sources, sandbox, limits, cfg)
    log = (ex.files.get(LOG, b"") + ex.stderr).decode(errors="replace")[-2000:]
    if FAILED in ex.files and not ex.timed_out:
        return TbRun("compile_error", -1, log)
    if ex.timed_out or ex.memory_exceeded:
        return TbRun("timeout", -1, "the testbench run hit its limits")
    ends = re.findall(rf"^{tag} t=(\d+)$".encode(), ex.stdout, re.MULTILINE)
    end = int(ends[0]) if len(ends) == 1 else -1
    tail = ex.stdout.decode(errors="replace")[-2000:]
    if ex.exit_code != 0 or ex.signal or _BAD.search(ex.stdout):
        return TbRun("failed", end, tail)
    if end < 0:
        return TbRun("error", end, "assay's end-of-run line is missing or repeated: " + tail)
    if golden_end is not None and end != golden_end:
        return TbRun("failed", end, f"ended at t={end}, the golden design at t={golden_end}")
    return TbRun("passed", end, tail)
