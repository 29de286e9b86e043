"""`program-outputs`: a program's outputs on inputs recorded in any language, one entry per
input (None where it crashed or ran out of time), built once and reused."""

from __future__ import annotations

from assay.schemas.records import Status
from assay.verifiers.program.build import BuildCache
from assay.verifiers.program.outputs import ProgramOutputsItem, record_outputs
from assay.verifiers.sandbox import Limits, ZygoteSandbox

LIMITS = Limits(wall_s=5, cpu_s=1, memory_mb=256)
HALVES = """#include <iostream>
int main() {
    long long n;
    std::cin >> n;
    if (n < 0) return 3;  // a crash on negative input
    volatile bool spin = n == 7;
    while (spin) {}       // endless on seven
    std::cout << n / 2 << "\\n";
}
"""


def _item(code: str, inputs: list[str], **more) -> ProgramOutputsItem:
    return ProgramOutputsItem(id="p", language="cpp", code=code, inputs=inputs, **more)


def test_outputs_are_recorded_per_input_and_failures_are_none(
    box: ZygoteSandbox, cache: BuildCache
) -> None:
    verdict = record_outputs(_item(HALVES, ["10\n", "-1\n", "7\n", "3\n"]), box, LIMITS, cache)
    assert verdict.status is Status.NOT_VERIFIED and verdict.verifier == "program-outputs"
    assert verdict.evidence["outputs"] == ["5\n", None, None, "1\n"]
    assert [o.status for o in verdict.outcomes] == [
        Status.NOT_VERIFIED, Status.ERROR, Status.TIMEOUT, Status.NOT_VERIFIED,
    ]  # fmt: skip
    assert verdict.evidence["language"] == "cpp" and verdict.evidence["toolchain"].startswith("g++")
    again = record_outputs(_item(HALVES, ["4\n"]), box, LIMITS, cache)
    assert again.evidence["cached"] is True and again.evidence["outputs"] == ["2\n"]


def test_a_program_that_does_not_build_records_nothing(
    box: ZygoteSandbox, cache: BuildCache
) -> None:
    verdict = record_outputs(_item("int main( {", ["1\n"]), box, LIMITS, cache)
    assert verdict.status is Status.COMPILE_ERROR and "outputs" not in verdict.evidence
    big = record_outputs(_item(HALVES, ["10\n"], max_output_bytes=1), box, LIMITS, cache)
    assert big.evidence["outputs"] == [None] and "too large" in big.outcomes[0].detail
