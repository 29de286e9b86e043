"""Cheating candidates never pass: hygiene refuses them, and the run itself is checked again
with hygiene switched off, so the nonce and vector count stand on their own."""

from __future__ import annotations

import pytest
from designs import COUNTER_REF, counter

import assay.verifiers.verilog.differential as differential
from assay.schemas.records import Status
from assay.verifiers.sandbox import Limits, ZygoteSandbox
from assay.verifiers.verilog import SimConfig, check

LIMITS = Limits(wall_s=5, cpu_s=5)
SMALL = SimConfig(episodes=2, cycles=50)
WRONG = "always @(posedge clk) q <= 4'd9;"
TB_LIKE = """
module tb();
  reg clk = 0; reg reset, ena; wire [3:0] q;
  initial forever #5 clk = ~clk;
  TopModule dut (.clk(clk), .reset(reset), .ena(ena), .q(q));
  initial begin #100 $display("Mismatches: 0 in 100 samples"); $finish; end
endmodule
"""
CHEATS = {
    "finish at time 0": counter(WRONG + "\ninitial $finish;"),
    "stop at time 0": counter(WRONG + "\ninitial begin $stop; end"),
    "prints the pass lines": counter(
        WRONG + '\ninitial $display("ASSAY-0 RESULT vectors=612 mismatches=0\\nMismatches: 0");'
    ),
    "writes the testbench's counters": counter(WRONG + "\nalways @* assay_tb.mismatches = 0;"),
    "is the testbench": TB_LIKE + counter(WRONG),
    "delays": counter("always @(posedge clk) q <= #1 4'd0;"),
    "macro": "`define M $finish\n" + counter(WRONG),
    "forever in initial": counter(WRONG + "\ninitial forever q = 0;"),
}
ENDS_RUN = ("finish at time 0", "stop at time 0", "is the testbench", "macro")
STATUS = dict.fromkeys(ENDS_RUN, Status.CHEAT)  # each contains $finish or $stop


@pytest.mark.parametrize("name", sorted(CHEATS))
def test_hygiene_refuses_cheats(sandbox: ZygoteSandbox, name: str) -> None:
    v = check("c", CHEATS[name], COUNTER_REF, sandbox, LIMITS, SMALL)
    assert v.status is STATUS.get(name, Status.REJECTED), v
    assert v.outcomes and all(o.status is not Status.PASS for o in v.outcomes)


@pytest.mark.parametrize(
    ("code", "status"),
    [
        (CHEATS["finish at time 0"], Status.CHEAT),  # the nonce line never appears
        (CHEATS["prints the pass lines"], Status.CHEAT),  # a report line with a foreign nonce
        (TB_LIKE + counter(WRONG), Status.CHEAT),  # its own top level ends the run early
    ],
)
def test_runtime_checks_catch_cheats_without_hygiene(
    sandbox: ZygoteSandbox, monkeypatch: pytest.MonkeyPatch, code: str, status: Status
) -> None:
    monkeypatch.setattr(differential, "screen", lambda code, top: [])
    v = check("c", code, COUNTER_REF, sandbox, LIMITS, SMALL)
    assert v.status is not Status.PASS
    assert v.status is status, v


@pytest.mark.parametrize(
    "body",
    [
        "",  # outputs undriven: Z
        "always @(posedge clk) q <= 4'bx;",  # outputs driven X
        "always @(posedge clk) q <= q;",  # never initialised: X forever
    ],
)
def test_undriven_or_unknown_outputs_fail(sandbox: ZygoteSandbox, body: str) -> None:
    code = counter(body) if body else counter("").replace("output reg", "output")
    v = check("c", code, COUNTER_REF, sandbox, LIMITS, SMALL)
    assert v.status is Status.FAIL, v
    assert v.evidence["first_mismatch"]["got"] in ("zzzz", "xxxx")
