"""A run's `verilog.sim` plan reaches the verifier through the engine's check lane (the verifier
name and options a run's `Check` carries; workers on threads here), and bad options are refused."""

from __future__ import annotations

import pytest

from assay.flows.config import load_config
from assay.flows.engine.checks import checks_here
from assay.verifiers.registry import configured
from assay.verifiers.sandbox import Limits, ZygoteSandbox

WIDE_REF = """
module RefModule (input clk, input reset, output reg [7:0] q);
  always @(posedge clk) q <= reset ? 8'd0 : q + 8'd1;
endmodule
"""
# Wrong only once the count passes 200 cycles after a reset.
LATE_BUG = """
module TopModule (input clk, input reset, output reg [7:0] q);
  always @(posedge clk) q <= reset ? 8'd0 : (q == 8'd200 ? 8'd0 : q + 8'd1);
endmodule
"""
LIMITS = Limits(wall_s=20, cpu_s=20, memory_mb=1024)


def _status(options: dict[str, object]) -> str:
    item = {"id": "late", "code": LATE_BUG, "reference": WIDE_REF}
    return checks_here("verilog", [item], LIMITS, options)[0].status.value


def test_the_run_config_stimulus_plan_is_the_one_simulated(sandbox: ZygoteSandbox) -> None:
    long_runs = load_config(None, ["domain=verilog", "verilog.sim.reset_rate=0"])
    short_runs = load_config(
        None,
        [
            "domain=verilog",
            "verilog.sim.reset_rate=0",
            "verilog.sim.cycles=20",
            "verilog.sim.deep_episodes=0",  # the deep episodes alone would reach the bug
        ],
    )
    assert _status(long_runs.verilog.sim.options()) == "fail"
    assert _status(short_runs.verilog.sim.options()) == "pass"  # too short to reach the bug


def test_formal_and_sim_settings_change_the_run_id_only_when_set() -> None:
    plain = load_config(None, ["domain=verilog"])
    assert plain.verilog.verifier == "verilog" and plain.verilog.sim.options() == {}
    assert load_config(None, ["domain=verilog", "verilog.formal=true"]).id != plain.id
    assert load_config(None, ["domain=verilog", "verilog.sim.cycles=9"]).id != plain.id
    assert load_config(None, ["domain=verilog", "verilog.formal=false"]).id == plain.id


def test_bad_options_are_refused() -> None:
    with pytest.raises(ValueError, match="Verilog verifier options"):
        configured("verilog", {"cycle": 3})
    with pytest.raises(ValueError, match="episodes"):
        configured("verilog", {"episodes": 0})
    assert configured("verilog-formal", {"cycles": 5}).formal is not None
