"""The mutation bench's own mutants (bench/verilog_mutation.py): every category is made, the
module header is never touched, and a nonblocking `<=` is never taken for a comparison."""

from __future__ import annotations

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from verilog_mutation import choose, sites

REF = """
module RefModule (input clk, input reset, input ena, output reg [9:0] q, output hit);
  assign hit = ena ? q == 10'd999 : 1'b0;
  always @(posedge clk)
    if (reset) q <= 10'd5;
    else if (ena && q < 10'd999) q <= q + 10'd1;
endmodule
"""


def test_every_category_and_only_the_body_is_mutated() -> None:
    found = sites(REF, ["reset"])
    assert {category for category, _, _ in found} == {"operator", "constant", "condition", "reset"}
    header = REF[: REF.index(");") + 2]
    for category, what, text in found:
        assert text != REF and text.startswith(header), (category, what)
    whats = {what.split(" @")[0] for _, what, _ in found}
    assert {"10'd5->10'd6", "+->-", "&&->||", "<-><="} <= whats
    assert "if (reset) negated" in whats and "synchronous reset made asynchronous" in whats
    assert "?: condition 'ena' negated" in whats
    assert not any(w.startswith("<=") for w in whats)  # `q <= ...` assigns, never compares


def test_choice_is_seeded_and_takes_turns_between_categories() -> None:
    first = choose(REF, ["reset"], 8, random.Random("14:p"))
    assert first == choose(REF, ["reset"], 8, random.Random("14:p"))
    assert len({m for _, _, m in first}) == 8
    assert {c for c, _, _ in first[:4]} == {"operator", "constant", "condition", "reset"}
