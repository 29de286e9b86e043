"""The yosys tier: synthesizability + lint of the candidate, then an equivalence proof.

It runs (in the sandbox: yosys parses model-written RTL) only after the simulation passed, and
can only add a failure: a proof → evidence `formal: proved`; a counterexample → `fail`; anything
else (timeout, a construct yosys cannot read, induction that does not close) → `inconclusive`,
and the simulation's verdict stands. Without `-enable_undef -set-def-inputs` yosys treats X as
a free choice and proves a design that outputs X equivalent (tests show such an ALU).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assay.verifiers.sandbox import Limits, Sandbox
from assay.verifiers.verilog.compile import tool, without_timescale
from assay.verifiers.verilog.config import FormalConfig
from assay.verifiers.verilog.stimulus import ACTIVE_LOW

_ALWAYS_COMB = re.compile(r"\balways_comb\b")  # yosys refuses latches there; iverilog does not
STAGES = ("synth_ref", "synth_cand", "equiv")


@dataclass(frozen=True)
class Formal:
    result: str  # proved, counterexample, inconclusive, or lint (the candidate failed synth)
    detail: str  # why, or the counterexample / log tail
    seconds: float = 0.0


def _prep(text: str) -> str:
    return _ALWAYS_COMB.sub("always @(*)", without_timescale(text))


def _synth(path: str, top: str) -> str:
    return f"read_verilog -sv {path}\nsynth -top {top} -run :fine\ncheck -assert\n"


def equiv_script(
    ref_top: str, top: str, clock: str, resets: list[str], depth: int, undef: bool = True
) -> str:
    """Miter of reference (gold) and candidate (gate); X in the reference is don't-care."""
    lines = ["read_verilog -sv ref.sv", "read_verilog -sv cand.sv", "proc", "async2sync"]
    lines += [f"miter -equiv -flatten -make_outputs -ignore_gold_x {ref_top} {top} miter"]
    lines += ["hierarchy -top miter", "flatten", "opt -keepdc"]
    sat = "sat -verify -prove trigger 0 -show-inputs" + (
        " -enable_undef -set-def-inputs" if undef else ""
    )
    if clock:  # from all-X state, every reset asserted in step 1, then induction up to `depth`
        sets = "".join(f" -set-at 1 in_{r} {0 if ACTIVE_LOW.search(r) else 1}" for r in resets)
        sat += f" -set-init-undef{sets} -tempinduct -maxsteps {depth}"
    return "\n".join([*lines, sat + " miter"]) + "\n"


def prove(
    reference: str, code: str, ref_top: str, top: str, clock: str, resets: list[str],
    sandbox: Sandbox, cfg: FormalConfig,
) -> Formal:  # fmt: skip
    """Run the yosys stages in one sandboxed script and read what each one concluded."""
    yosys = tool("yosys")
    run = "".join(
        f"{yosys} -q -l {s}.log -s {s}.ys >/dev/null 2>&1; echo $? >{s}.rc\n"
        f"grep -E 'SUCCESS|FAIL|ERROR|maximum|failed' {s}.log | grep -v Incrementing | tail -20"
        f" >{s}.sum\n"
        f"tail -c 4000 {s}.log >{s}.tail\n"
        for s in (STAGES if cfg.synth else STAGES[2:])
    )
    files = {
        "ref.sv": _prep(reference).encode(),
        "cand.sv": _prep(code).encode(),
        "synth_ref.ys": _synth("ref.sv", ref_top).encode(),
        "synth_cand.ys": _synth("cand.sv", top).encode(),
        "equiv.ys": equiv_script(ref_top, top, clock, resets, cfg.depth, cfg.undef).encode(),
        "run.sh": run.encode(),
    }
    limits = Limits(wall_s=cfg.wall_s, cpu_s=cfg.wall_s, memory_mb=cfg.memory_mb)
    collect = tuple(f"{s}.{k}" for s in STAGES for k in ("rc", "sum", "tail"))
    ex = sandbox.run_command(["/bin/sh", "run.sh"], files, limits, collect=collect)
    out = {k: v.decode(errors="replace") for k, v in ex.files.items()}
    took = ex.duration_s
    ref_clean = out.get("synth_ref.rc", "").strip() == "0"
    if cfg.synth and ref_clean and out.get("synth_cand.rc", "").strip() not in ("", "0"):
        return Formal("lint", out.get("synth_cand.tail", "")[-2000:], took)
    if "equiv.rc" not in out:
        why = "timed out" if ex.timed_out else "did not finish"
        return Formal("inconclusive", f"yosys {why} (limit {cfg.wall_s}s)", took)
    return _read_equiv(out["equiv.rc"].strip(), out.get("equiv.sum", ""), out, clock, resets, took)


def _read_equiv(
    rc: str, summary: str, out: dict[str, str], clock: str, resets: list[str], took: float
) -> Formal:
    tail = out.get("equiv.tail", "")[-2000:]
    if rc == "0" and "SUCCESS" in summary:
        return Formal("proved", "induction closed" if clock else "SAT: no differing input", took)
    if "model found" in summary or (not clock and "proof did fail" in summary):
        if clock and "base case" not in summary:
            return Formal("inconclusive", "induction failed without a base-case model", took)
        if clock and not resets:  # the all-X start is not a state the simulation starts from
            return Formal("inconclusive", "counterexample, but the design has no reset", took)
        return Formal("counterexample", tail, took)
    return Formal("inconclusive", summary[-1000:] or tail, took)
