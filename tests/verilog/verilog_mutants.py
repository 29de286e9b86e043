"""Mutants of golden RTL (now trusted code in `assay.verifiers.verilog.mutants`) and
VerilogEval's own testbench as the judge of which mutants change behaviour."""

from __future__ import annotations

import re

from assay.verifiers.sandbox import Limits, Sandbox
from assay.verifiers.verilog.compile import tool
from assay.verifiers.verilog.mutants import mutants, stub

__all__ = ["mutants", "original_testbench_detects", "stub"]


def original_testbench_detects(
    box: Sandbox, test_sv: str, ref: str, candidate: str, limits: Limits
) -> bool | None:
    """VerilogEval's own verdict on `candidate` (TopModule): True if it reports mismatches,
    False if none, None if it does not compile or report."""
    script = (
        f"{tool('iverilog')} -g2012 -o s.vvp test.sv ref.sv top.sv >log 2>&1 || exit 3\n"
        f"exec {tool('vvp')} -n s.vvp\n"
    )
    files = {"test.sv": test_sv, "ref.sv": ref, "top.sv": candidate, "run.sh": script}
    ex = box.run_command(["/bin/sh", "run.sh"], {k: v.encode() for k, v in files.items()}, limits)
    found = re.search(rb"Mismatches: (\d+) in (\d+) samples", ex.stdout)
    if ex.exit_code != 0 or not found:
        return None
    return int(found.group(1)) > 0 or b"TIMEOUT" in ex.stdout
