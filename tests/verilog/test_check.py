"""Planted candidates through the real sandbox and iverilog: any wrong verdict fails the suite."""

from __future__ import annotations

import pytest
from designs import (
    ALU_GOOD,
    ALU_REF,
    COUNTER_GOOD,
    COUNTER_MUTANTS,
    COUNTER_REF,
    DONT_CARE_GOOD,
    DONT_CARE_REF,
    HANGS,
    counter,
)

from assay.schemas.records import Status
from assay.verifiers.sandbox import Limits, ZygoteSandbox
from assay.verifiers.verilog import SimConfig, check

LIMITS = Limits(wall_s=5, cpu_s=5, memory_mb=1024)
SMALL = SimConfig(episodes=4, cycles=100)


def verdict(box: ZygoteSandbox, code: str, ref: str = COUNTER_REF, **kw):
    return check("c", code, ref, box, kw.pop("limits", LIMITS), kw.pop("config", SMALL), **kw)


def test_equivalent_sequential_candidate_passes(sandbox: ZygoteSandbox) -> None:
    v = verdict(sandbox, COUNTER_GOOD)
    assert v.status is Status.PASS, v
    # episodes x (random + reset cycles), then 4 deep episodes x (one reset phase + 250 held
    # cycles: the 4-bit counter needs fewer), x 3 compares per cycle
    planned = (4 * (100 + 2) + 4 * (2 + 250)) * 3
    assert v.evidence["vectors"] == v.evidence["planned"] == planned == v.tests_total
    assert v.evidence["deep"] == [250] * 4
    assert (v.evidence["mismatches"], v.evidence["clock"], v.evidence["resets"]) == (
        0,
        "clk",
        ["reset"],
    )
    assert v.isolation == sandbox.isolation and v.duration_s > 0


def test_equivalent_combinational_candidate_passes(sandbox: ZygoteSandbox) -> None:
    v = verdict(sandbox, ALU_GOOD, ALU_REF)
    assert v.status is Status.PASS, v
    assert v.evidence["vectors"] == 400 and v.evidence["clock"] == ""


@pytest.mark.parametrize("kind", sorted(COUNTER_MUTANTS))
def test_mutants_fail_with_the_first_mismatch_named(sandbox: ZygoteSandbox, kind: str) -> None:
    v = verdict(sandbox, COUNTER_MUTANTS[kind])
    assert v.status is Status.FAIL, v
    first = v.evidence["first_mismatch"]
    assert v.evidence["mismatches"] > 0 and first["signal"] == "q"
    assert first["expected"] != first["got"] and first["vector"] >= 1
    assert any(o.name == "output q" and o.status is Status.FAIL for o in v.outcomes)


@pytest.mark.parametrize(
    "body",
    [
        "assign y = op[0] ? a - b : a + b; assign z = ~|y;",  # ALU operator swap
        "assign y = a + b; assign z = 1'b0;",  # stuck flag
    ],
)
def test_wrong_combinational_candidates_fail(sandbox: ZygoteSandbox, body: str) -> None:
    code = f"module TopModule (input [7:0] a, input [7:0] b, input [1:0] op, output [7:0] y, output z);\n{body}\nendmodule\n"  # noqa: E501
    assert verdict(sandbox, code, ALU_REF).status is Status.FAIL


def test_hanging_simulation_is_killed_as_a_timeout(sandbox: ZygoteSandbox) -> None:
    v = verdict(sandbox, HANGS, limits=Limits(wall_s=1.5, cpu_s=1))
    assert v.status is Status.TIMEOUT, v


def test_same_seed_same_stimulus_new_nonce_each_run(sandbox: ZygoteSandbox) -> None:
    wrong = COUNTER_MUTANTS["off-by-one"]
    a, b = verdict(sandbox, wrong), verdict(sandbox, wrong)
    assert a.evidence["seed"] == b.evidence["seed"]
    assert a.evidence["first_mismatch"] == b.evidence["first_mismatch"]
    other = verdict(sandbox, wrong, config=SimConfig(episodes=4, cycles=100, seed=7))
    assert other.evidence["seed"] == 7 and other.status is Status.FAIL


def test_reference_x_is_dont_care_unless_strict(sandbox: ZygoteSandbox) -> None:
    assert verdict(sandbox, DONT_CARE_GOOD, DONT_CARE_REF).status is Status.PASS
    strict = SimConfig(episodes=4, cycles=100, x_is_dont_care=False)
    v = verdict(sandbox, DONT_CARE_GOOD, DONT_CARE_REF, config=strict)
    assert v.status is Status.FAIL and v.evidence["first_mismatch"]["expected"] == "xxxx"


@pytest.mark.parametrize(
    ("code", "status"),
    [
        (counter("always @(posedge clk) q <= q +;"), Status.COMPILE_ERROR),
        (counter("always @(posedge clk) q <= undeclared_thing;"), Status.COMPILE_ERROR),
        (
            "module TopModule (input clk, input reset, input ena, output reg [7:0] q);\nendmodule",
            Status.REJECTED,
        ),
        (
            "module TopModule (input clk, input reset, output reg [3:0] q);\nendmodule",
            Status.REJECTED,
        ),
        (
            "module Other (input clk, input reset, input ena, output [3:0] q);\nendmodule",
            Status.REJECTED,
        ),
    ],
    ids=["syntax", "undeclared", "wide-port", "missing-port", "no-top"],
)
def test_broken_candidates(sandbox: ZygoteSandbox, code: str, status: Status) -> None:
    v = verdict(sandbox, code)
    assert v.status is status, v


def test_multi_clock_and_toolchain_gaps_are_unsupported(sandbox: ZygoteSandbox) -> None:
    two = "module {} (input clk_a, input clk_b, input d, output reg q);\nalways @(posedge clk_a) q <= d;\nendmodule"  # noqa: E501
    v = verdict(sandbox, two.format("TopModule"), two.format("RefModule"))
    assert v.status is Status.UNSUPPORTED and "multi-clock" in v.evidence["reason"]
    cast = (
        "module {} (input clk, input d, output reg [1:0] q);\n"
        "typedef enum logic [1:0] {{A, B}} S;\n"
        "always @(posedge clk) q <= S'(d ? B : A);\nendmodule"
    )
    v = verdict(sandbox, cast.format("TopModule"), cast.format("RefModule"))
    assert v.status is Status.UNSUPPORTED, v
