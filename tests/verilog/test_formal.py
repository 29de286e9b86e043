"""The yosys tier through the real sandbox: proofs, counterexamples, the X hole, timeouts."""

from __future__ import annotations

import shutil

import pytest
from designs import ALU_GOOD, ALU_REF, COUNTER_GOOD, COUNTER_REF, counter

from assay.schemas.records import Status
from assay.verifiers.sandbox import Limits, ZygoteSandbox
from assay.verifiers.verilog import FormalConfig, SimConfig, check
from assay.verifiers.verilog.formal import prove

pytestmark = pytest.mark.skipif(shutil.which("yosys") is None, reason="yosys is not installed")
LIMITS = Limits(wall_s=10, cpu_s=10, memory_mb=1024)
SMALL = SimConfig(episodes=4, cycles=100)
FORMAL = FormalConfig(depth=8, wall_s=30)
# Outputs X for op == 3: wrong (the simulation sees X), yet "equivalent" to yosys by default.
ALU_X = ALU_REF.replace("RefModule", "TopModule").replace(
    "default: y = a ^ b;", "default: y = (a ^ b) | 8'bx;"
)
# 32-bit multiplier commutativity: trivially simulated, far too hard for SAT in seconds.
MUL = "module {} (input [31:0] a, input [31:0] b, output [63:0] y); assign y = {}; endmodule"


def test_x_bug_proved_without_undef_flags_and_caught_with_them(sandbox: ZygoteSandbox) -> None:
    args = (ALU_REF, ALU_X, "RefModule", "TopModule", "", [], sandbox)
    blind = prove(*args, FormalConfig(undef=False, synth=False))
    assert blind.result == "proved", blind
    seen = prove(*args, FormalConfig(synth=False))
    assert seen.result == "counterexample" and "in_op" in seen.detail, seen


def test_equivalent_rewrites_are_proved(sandbox: ZygoteSandbox) -> None:
    for code, ref in ((ALU_GOOD, ALU_REF), (COUNTER_GOOD, COUNTER_REF)):
        v = check("c", code, ref, sandbox, LIMITS, SMALL, formal=FORMAL)
        assert v.status is Status.PASS and v.evidence["formal"] == "proved", v


def test_sequential_mutant_simulation_misses_is_caught_by_the_bounded_check(
    sandbox: ZygoteSandbox,
) -> None:
    # Differs only after 5 enabled cycles in a row with no reset: a short simulation misses it.
    ref = COUNTER_REF
    code = counter(
        "always @(posedge clk) if (reset) q <= 0; else if (ena) q <= (q == 4'd5) ? 4'd9 : q + 1;"
    )
    short = SimConfig(episodes=1, cycles=4, reset_cycles=1, deep_episodes=0)
    assert check("c", code, ref, sandbox, LIMITS, short).status is Status.PASS
    v = check("c", code, ref, sandbox, LIMITS, short, formal=FORMAL)
    assert v.status is Status.FAIL and v.evidence["formal"] == "counterexample", v
    assert any(o.name == "formal" and o.status is Status.FAIL for o in v.outcomes)


def test_hard_proof_times_out_as_inconclusive_keeping_the_simulation_verdict(
    sandbox: ZygoteSandbox,
) -> None:
    ref, code = (
        MUL.format("RefModule", "64'(a) * b"),
        MUL.format("TopModule", "(a + 64'd1) * b - b"),
    )
    v = check("c", code, ref, sandbox, LIMITS, SMALL, formal=FormalConfig(wall_s=3, synth=False))
    assert v.status is Status.PASS and v.evidence["formal"] == "inconclusive", v
    assert v.evidence["formal_s"] < 10


def test_unsynthesizable_candidate_is_a_lint_error(sandbox: ZygoteSandbox) -> None:
    # A loop bounded by an input: iverilog simulates it, yosys cannot unroll it into gates.
    loop = "reg [7:0] t; integer i;\n  always @* begin t = 0; "
    loop += "for (i = 0; i < b; i = i + 1) t = t + 1; end"
    code = ALU_GOOD.replace("assign z = ~|y;", "assign z = ~|y;\n  " + loop)
    assert check("c", code, ALU_REF, sandbox, LIMITS, SMALL).status is Status.PASS
    v = check("c", code, ALU_REF, sandbox, LIMITS, SMALL, formal=FORMAL)
    assert v.status is Status.LINT_ERROR and v.evidence["formal"] == "lint", v


def test_formal_config_is_validated() -> None:
    with pytest.raises(ValueError, match="depth"):
        FormalConfig(depth=0)
