"""The pure parts: port parsing, hygiene rules, config validation and the registry entry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from designs import COUNTER_GOOD, COUNTER_MUTANTS, COUNTER_REF
from pydantic import ValidationError

from assay.flows.verify import verify_file
from assay.schemas.records import Status
from assay.verifiers import registry
from assay.verifiers.sandbox import Limits
from assay.verifiers.verilog import Port, PortError, SimConfig, VerilogItem, parse_ports
from assay.verifiers.verilog.hygiene import screen
from assay.verifiers.verilog.source import rename_modules


def test_ansi_and_non_ansi_ports_with_parameters() -> None:
    ansi = "module m #(parameter W = 4) (input clk, input signed [W*2-1:0] a, b, output reg [$clog2(16):0] y);"  # noqa: E501
    assert parse_ports(ansi + "endmodule", "m") == [
        Port("clk", "input", 1),
        Port("a", "input", 8, True),
        Port("b", "input", 8, True),
        Port("y", "output", 5),
    ]
    old = "module m (a, y); parameter N = 3; input [N:0] a; output integer y; endmodule"
    assert parse_ports(old, "m") == [Port("a", "input", 4), Port("y", "output", 32)]


@pytest.mark.parametrize(
    "text",
    [
        "module other (input a); endmodule",  # no module m
        "module m (input [7:0] a [3:0]); endmodule",  # unpacked array port
        "module m (input [X:0] a); endmodule",  # unknown parameter
        "module m (a, b); input a; endmodule",  # b has no direction
    ],
)
def test_ports_that_cannot_be_read_exactly_raise(text: str) -> None:
    with pytest.raises(PortError):
        parse_ports(text, "m")


GOOD = "module TopModule (input a, output y);\n{}\nendmodule\n"


@pytest.mark.parametrize(
    "body",
    [
        "assign y = a; // $finish #5 initial begin $display end",
        '/* $stop */ wire [3:0] s = "$finish"; assign y = $signed(a) ^ |s;',
        "reg r; initial r = 1'b0; initial begin r = 0; end assign y = r;",
        "sub #(.W(2)) u (.x(a), .y(y));",
    ],
)
def test_clean_code_passes_hygiene(body: str) -> None:
    assert screen(GOOD.format(body), "TopModule") == []


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ("initial $finish;", Status.CHEAT),
        ("always @* $fatal(1);", Status.CHEAT),
        ('initial $display("Mismatches: 0");', Status.REJECTED),
        ("assign #1 y = a;", Status.REJECTED),
        ("always @(a) y <= #(2) a;", Status.REJECTED),
        ("initial begin y = a; end", Status.REJECTED),  # not a constant
        ("always @* force tb.x = 0;", Status.REJECTED),
        ("assign y = u[0].q;", Status.REJECTED),  # hierarchical through an array
        ('`include "ref.sv"', Status.REJECTED),
    ],
)
def test_forbidden_constructs(body: str, status: Status) -> None:
    problems = screen(GOOD.format(body), "TopModule")
    assert problems and max(p.status is Status.CHEAT for p in problems) == (status is Status.CHEAT)


def test_top_module_must_be_defined_once() -> None:
    assert screen("module Other(); endmodule", "TopModule")
    assert screen(GOOD.format("") + GOOD.format(""), "TopModule")


def test_reference_modules_are_renamed_everywhere() -> None:
    text, names = rename_modules("module A(); B b(); endmodule module B(); endmodule // A", "_x")
    assert names == {"A": "A_x", "B": "B_x"} and "B_x b()" in text and text.endswith("// A")


def test_config_is_validated() -> None:
    for bad in ({"episodes": 0}, {"reset_rate": 2.0}, {"seed": -1}, {"timescale": "1ns"}):
        with pytest.raises(ValueError):
            SimConfig(**bad)


def test_registered_as_verilog_with_a_strict_item() -> None:
    verifier = registry.get("verilog")
    assert verifier.name == "verilog" and verifier.Item is VerilogItem
    item = VerilogItem.model_validate({"id": 1, "code": "x", "reference": "y", "extra": 2})
    assert item.top == "TopModule" and item.model_extra == {"extra": 2}
    with pytest.raises(ValidationError):
        VerilogItem.model_validate({"id": 1, "code": "x"})


def test_jsonl_file_through_the_registry(tmp_path: Path) -> None:
    """The path `assay verify verilog` takes: JSONL in, one verdict line per input out."""
    lines = [
        {"id": "good", "code": COUNTER_GOOD, "reference": COUNTER_REF, "seed": 3, "keep": 1},
        {"id": "bad", "code": COUNTER_MUTANTS["stuck output"], "reference": COUNTER_REF},
    ]
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text("".join(json.dumps(line) + "\n" for line in lines))
    verify_file("verilog", src, out, Limits(wall_s=10, cpu_s=10))
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["id"], r["status"]) for r in rows] == [("good", "pass"), ("bad", "fail")]
    assert rows[0]["keep"] == 1 and rows[0]["evidence"]["seed"] == 3
