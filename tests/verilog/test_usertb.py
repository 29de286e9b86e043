"""Model-written testbenches: accepted only when they separate golden from stubs and mutants;
candidates judged by them; forged prints never pass."""

from __future__ import annotations

import json
from pathlib import Path

from designs import COUNTER_GOOD, COUNTER_MUTANTS, COUNTER_REF, HANGS, counter

from assay.flows.verify import verify_file
from assay.schemas.records import Status
from assay.verifiers.sandbox import Limits, ZygoteSandbox
from assay.verifiers.verilog import SimConfig, accept, judge

LIMITS = Limits(wall_s=5, cpu_s=5, memory_mb=1024)
CFG = SimConfig(episodes=2, cycles=50)
# A real check: a model of the counter, compared every cycle; $error on a difference.
GOOD_TB = """
module tb;
  reg clk = 0, reset = 1, ena = 0; wire [3:0] q; reg [3:0] want = 0; integer i;
  TopModule dut (.clk(clk), .reset(reset), .ena(ena), .q(q));
  initial begin
    for (i = 0; i < 60; i = i + 1) begin
      reset = (i < 2) || (i == 30); ena = (i % 3) != 0;
      #1 clk = 1; want = reset ? 0 : (ena ? want + 1 : want); #1 clk = 0;
      if (q !== want) $error("cycle %0d: q=%b want=%b", i, q, want);
    end
    $finish;
  end
endmodule
"""
# Prints what a passing run prints and checks nothing.
LAZY_TB = """
module tb;
  reg clk = 0, reset = 1, ena = 1; wire [3:0] q;
  TopModule dut (.clk(clk), .reset(reset), .ena(ena), .q(q));
  initial begin #10 $display("Mismatches: 0 in 10 samples\\nPASS"); $finish; end
endmodule
"""
# Checks only reset: stubs stuck at 0 pass it.
WEAK_TB = GOOD_TB.replace("if (q !== want)", "if (reset && q !== want)")
# Reaches into the golden's internals: cannot compile against assay's wrapper.
PEEK_TB = GOOD_TB.replace("if (q !== want)", "if (dut.q !== want)").replace("dut.q", "dut.u.q")


def test_good_testbench_is_accepted_and_kills_every_mutant(sandbox: ZygoteSandbox) -> None:
    v = accept("t", GOOD_TB, COUNTER_REF, sandbox, LIMITS, CFG)
    assert v.status is Status.PASS, v
    assert v.evidence["mutants_killed"] == v.evidence["mutants_counted"] > 0
    assert {o.name for o in v.outcomes} >= {"stuck '0", "stuck '1", "stuck 'x", "stuck 'z"}


def test_lazy_weak_and_peeking_testbenches_are_refused(sandbox: ZygoteSandbox) -> None:
    lazy = accept("t", LAZY_TB, COUNTER_REF, sandbox, LIMITS, CFG)
    assert lazy.status is Status.FAIL and "stuck '0" in lazy.evidence["survivors"], lazy
    weak = accept("t", WEAK_TB, COUNTER_REF, sandbox, LIMITS, CFG)
    assert weak.status is Status.FAIL and weak.evidence["survivors"], weak
    peek = accept("t", PEEK_TB, COUNTER_REF, sandbox, LIMITS, CFG)
    assert peek.status is Status.COMPILE_ERROR, peek
    own = accept("t", LAZY_TB + COUNTER_REF.replace("RefModule", "TopModule"), COUNTER_REF,
                 sandbox, LIMITS, CFG)  # fmt: skip
    assert own.status is Status.REJECTED, own


def test_candidates_against_an_accepted_testbench(sandbox: ZygoteSandbox) -> None:
    ok = judge("c", COUNTER_GOOD, GOOD_TB, sandbox, LIMITS, CFG, reference=COUNTER_REF)
    assert ok.status is Status.PASS, ok
    assert ok.evidence["end_time"] == ok.evidence["golden_end_time"] > 0
    for name, code in COUNTER_MUTANTS.items():
        assert judge("c", code, GOOD_TB, sandbox, LIMITS, CFG).status is Status.FAIL, name
    hang = judge("c", HANGS, GOOD_TB, sandbox, Limits(wall_s=1.5, cpu_s=1), CFG)
    assert hang.status is Status.TIMEOUT, hang
    forged = counter('always @(posedge clk) q <= 9;\\ninitial $display("Mismatches: 0");')
    assert judge("c", forged, GOOD_TB, sandbox, LIMITS, CFG).status is Status.REJECTED


def test_jsonl_lines_with_testbenches(tmp_path: Path) -> None:
    lines = [
        {"id": "accept", "testbench": GOOD_TB, "reference": COUNTER_REF},
        {"id": "lazy", "testbench": LAZY_TB, "reference": COUNTER_REF},
        {"id": "both", "code": COUNTER_GOOD, "testbench": GOOD_TB, "reference": COUNTER_REF},
        {"id": "tb-only", "code": COUNTER_MUTANTS["off-by-one"], "testbench": GOOD_TB},
    ]
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text("".join(json.dumps(line) + "\n" for line in lines))
    verify_file("verilog", src, out, LIMITS, 1)
    got = {r["id"]: r["status"] for r in map(json.loads, out.read_text().splitlines())}
    assert got == {"accept": "pass", "lazy": "fail", "both": "pass", "tb-only": "fail"}, got
