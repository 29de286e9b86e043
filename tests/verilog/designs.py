"""Small planted designs: references and candidates that are right, wrong, hanging or cheating."""

COUNTER_REF = """
module RefModule (input clk, input reset, input ena, output reg [3:0] q);
  always @(posedge clk)
    if (reset) q <= 4'd0;
    else if (ena) q <= q + 4'd1;
endmodule
"""

# Same behaviour, written differently (non-ANSI ports, helper module, a timescale directive).
COUNTER_GOOD = """
`timescale 1ns/1ns
module inc4 (input [3:0] a, output [3:0] y);
  assign y = a + 1;
endmodule
module TopModule (clk, reset, ena, q);
  input clk, reset, ena;  // "initial $finish" in a comment is only a comment
  output [3:0] q;
  reg [3:0] state;
  wire [3:0] next;
  inc4 u (.a(state), .y(next));
  always @(posedge clk) state <= reset ? 4'b0 : (ena ? next : state);
  assign q = state;
endmodule
"""


def counter(body: str) -> str:
    """A counter candidate with the given always-block body."""
    return (
        "module TopModule (input clk, input reset, input ena, output reg [3:0] q);\n"
        f"{body}\nendmodule\n"
    )


COUNTER_MUTANTS = {
    "operator swap": counter("always @(posedge clk) if (reset) q <= 0; else if (ena) q <= q - 1;"),
    "inverted condition": counter(
        "always @(posedge clk) if (!reset) q <= 0; else if (ena) q <= q + 1;"
    ),
    "off-by-one": counter("always @(posedge clk) if (reset) q <= 1; else if (ena) q <= q + 1;"),
    "stuck output": counter("always @(posedge clk) q <= 0;"),
}

ALU_REF = """
module RefModule (input [7:0] a, input [7:0] b, input [1:0] op, output reg [7:0] y, output z);
  always @* case (op)
    2'd0: y = a + b;
    2'd1: y = a - b;
    2'd2: y = a & b;
    default: y = a ^ b;
  endcase
  assign z = (y == 8'd0);
endmodule
"""

ALU_GOOD = """
module TopModule (input [7:0] a, input [7:0] b, input [1:0] op, output [7:0] y, output z);
  assign y = op[1] ? (op[0] ? a ^ b : a & b) : (op[0] ? a + ~b + 8'd1 : a + b);
  assign z = ~|y;
endmodule
"""

HANGS = counter("integer i;\nalways @(posedge clk) for (i = 0; i >= 0; i = i + 0) q <= 0;")

# Reference with a don't-care: y is X whenever sel is 0.
DONT_CARE_REF = """
module RefModule (input sel, input [3:0] d, output [3:0] y);
  assign y = sel ? d : 4'bx;
endmodule
"""
DONT_CARE_GOOD = """
module TopModule (input sel, input [3:0] d, output [3:0] y);
  assign y = d;
endmodule
"""
