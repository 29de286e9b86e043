"""Bugs that live in deep states: a counter's wrap at 999, a clock's minute carry, an FSM branch
reached only after its inputs are held for 40 cycles. Random episodes with a reset about every
32 cycles never get there (the plan without deep episodes passes them); the deep episodes (one
reset, inputs held, lengths from the reference's counters and constants) reject them, and the
correct designs still pass."""

from __future__ import annotations

import pytest

from assay.schemas.records import Status
from assay.verifiers.sandbox import Limits, ZygoteSandbox
from assay.verifiers.verilog import SimConfig, check
from assay.verifiers.verilog.depth import depth, lengths

LIMITS = Limits(wall_s=60, cpu_s=60, memory_mb=1024)
RANDOM_ONLY = SimConfig(deep_episodes=0)  # the plan before deep episodes

WRAP_REF = """
module RefModule (input clk, input reset, input ena, output reg [9:0] q);
  always @(posedge clk)
    if (reset) q <= 0;
    else if (ena) q <= (q == 10'd999) ? 10'd0 : q + 10'd1;
endmodule
"""
WRAP_GOOD = """
module TopModule (input clk, input reset, input ena, output [9:0] q);
  reg [9:0] n;
  wire last = n >= 999;
  always @(posedge clk) n <= reset ? 10'd0 : !ena ? n : last ? 10'd0 : n + 1'b1;
  assign q = n;
endmodule
"""
WRAP_BUG = """
module TopModule (input clk, input reset, input ena, output reg [9:0] q);
  always @(posedge clk)
    if (reset) q <= 0;
    else if (ena) q <= q + 10'd1;  // wraps at 1023, not 999
endmodule
"""

# Seconds and minutes of an hour timer; `hour` pulses as 59:59 rolls over.
CLOCK_REF = """
module RefModule (input clk, input reset, input ena, output reg [5:0] ss, output reg [5:0] mm,
                  output hour);
  assign hour = ena && ss == 6'd59 && mm == 6'd59;
  always @(posedge clk)
    if (reset) begin ss <= 0; mm <= 0; end
    else if (ena) begin
      ss <= ss == 6'd59 ? 6'd0 : ss + 6'd1;
      if (ss == 6'd59) mm <= mm == 6'd59 ? 6'd0 : mm + 6'd1;
    end
endmodule
"""
CLOCK_GOOD = """
module TopModule (input clk, input reset, input ena, output [5:0] ss, output [5:0] mm,
                  output hour);
  reg [11:0] t;  // seconds of the hour
  always @(posedge clk) t <= reset ? 12'd0 : !ena ? t : t == 12'd3599 ? 12'd0 : t + 12'd1;
  assign ss = t % 60;
  assign mm = t / 60;
  assign hour = ena && t == 12'd3599;
endmodule
"""
CLOCK_BUG = CLOCK_REF.replace("RefModule", "TopModule").replace(
    "assign hour = ena && ss == 6'd59 && mm == 6'd59;",
    "assign hour = ena && mm == 6'd59;",  # the carry ignores the seconds: on for all of 59:xx
)

# `fire` is reached only after `req` and `hold` stay high for 40 cycles in a row.
FSM_REF = """
module RefModule (input clk, input areset, input req, input hold, input [3:0] data,
                  output busy, output reg [3:0] out);
  localparam IDLE = 2'd0, WAIT = 2'd1, FIRE = 2'd2;
  reg [1:0] state;
  reg [5:0] n;
  always @(posedge clk or posedge areset)
    if (areset) begin state <= IDLE; n <= 0; out <= 0; end
    else case (state)
      IDLE: begin n <= 0; if (req && hold) state <= WAIT; end
      WAIT: if (!(req && hold)) state <= IDLE;
            else if (n == 6'd39) state <= FIRE;
            else n <= n + 6'd1;
      FIRE: begin out <= data; state <= IDLE; end
      default: state <= IDLE;
    endcase
  assign busy = state != IDLE;
endmodule
"""
FSM_GOOD = FSM_REF.replace("RefModule", "TopModule").replace(
    "WAIT: if (!(req && hold)) state <= IDLE;", "WAIT: if (!req || !hold) state <= IDLE;"
)
FSM_BUG = FSM_REF.replace("RefModule", "TopModule").replace("out <= data;", "out <= ~data;")

CASES = {
    "wrap counter (999 vs 1023)": (WRAP_REF, WRAP_GOOD, WRAP_BUG),
    "minute carry": (CLOCK_REF, CLOCK_GOOD, CLOCK_BUG),
    "rarely enabled FSM branch": (FSM_REF, FSM_GOOD, FSM_BUG),
}


@pytest.mark.parametrize("case", list(CASES))
def test_deep_state_bug_passes_random_episodes_and_is_rejected_by_deep_ones(
    sandbox: ZygoteSandbox, case: str
) -> None:
    ref, good, bug = CASES[case]
    old = check("bug", bug, ref, sandbox, LIMITS, RANDOM_ONLY)
    assert old.status is Status.PASS, old  # the gap: random episodes never get there
    new = check("bug", bug, ref, sandbox, LIMITS)
    assert new.status is Status.FAIL, new
    assert new.evidence["first_mismatch"]["vector"] > old.evidence["planned"]  # in a deep one
    passed = check("good", good, ref, sandbox, LIMITS)
    assert passed.status is Status.PASS, passed
    assert passed.evidence["vectors"] == passed.evidence["planned"] > old.evidence["planned"]


def test_episode_lengths_follow_the_reference_within_the_budget() -> None:
    assert depth(WRAP_REF) == 1024  # a 10-bit counter (and 999 + 1 for the compared constant)
    assert depth(CLOCK_REF) == 2**12  # two 6-bit counters chained
    assert depth(FSM_REF) == 64  # the 6-bit count (and the constant 39)
    assert lengths(1024, 4, 100_000, 250) == (1156, 1156, 1156, 1156)
    assert lengths(10**9, 4, 100_000, 250) == (50_000, 16_666, 16_666, 16_666)  # capped
    assert lengths(0, 2, 1000, 250) == (250, 250)  # no counter: the shortest episode
    assert lengths(10**9, 1, 3000, 250) == (3000,)
    assert lengths(5000, 0, 3000, 250) == ()


def test_combinational_designs_get_no_deep_episodes(sandbox: ZygoteSandbox) -> None:
    ref = "module RefModule (input [9:0] a, output y); assign y = a == 10'd999; endmodule"
    v = check("c", ref.replace("RefModule", "TopModule"), ref, sandbox, LIMITS)
    assert v.status is Status.PASS and v.evidence["deep"] == [], v


@pytest.mark.parametrize(
    "fields",
    [{"deep_episodes": -1}, {"deep_cycles": 0}, {"deep_episodes": 4, "deep_budget": 999}],
)
def test_deep_plan_is_validated(fields: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="deep_"):
        SimConfig(**fields)
