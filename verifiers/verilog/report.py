"""Reading the testbench's report and turning a finished simulation into a status.

Only lines tagged with this run's nonce count; the candidate cannot know the nonce, so a pass
needs the real testbench to have run to its end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from assay.schemas.records import Status
from assay.verifiers.sandbox import Execution

_FIRST = re.compile(r"FIRST vector=(\d+) time=(\d+) signal=(\S+) expected=(\S+) got=(\S+)$")
_RESULT = re.compile(r"RESULT vectors=(\d+) mismatches=(\d+)$")
_OUTPUT = re.compile(r"OUTPUT signal=(\S+) mismatches=(\d+)$")


@dataclass(frozen=True)
class Report:
    results: list[tuple[int, int]]  # (vectors, mismatches) per RESULT line; exactly one is valid
    per_output: dict[str, int] = field(default_factory=dict)
    first: dict[str, Any] | None = None
    foreign: int = 0  # lines that look like a report but carry another nonce


def read_report(stdout: bytes, nonce: str) -> Report:
    """Every report line of this run; anything else on stdout is ignored."""
    tag = f"ASSAY-{nonce} "
    results: list[tuple[int, int]] = []
    per_output: dict[str, int] = {}
    first = None
    foreign = 0
    for line in stdout.decode(errors="replace").splitlines():
        if not line.startswith(tag):
            foreign += line.startswith("ASSAY-")
            continue
        body = line[len(tag) :].strip()
        if m := _RESULT.match(body):
            results.append((int(m[1]), int(m[2])))
        elif m := _OUTPUT.match(body):
            per_output[m[1]] = int(m[2])
        elif (m := _FIRST.match(body)) and first is None:
            keys = ("vector", "time", "signal", "expected", "got")
            first = dict(zip(keys, (int(m[1]), int(m[2]), m[3], m[4], m[5]), strict=True))
    return Report(results, per_output, first, foreign)


def judge(ex: Execution, report: Report, planned: int) -> tuple[Status, str]:
    """Status of a compiled design's simulation, worst first, and a reason when not a pass."""
    if ex.timed_out:
        return Status.TIMEOUT, "the simulation did not finish within the limits"
    if ex.memory_exceeded:
        return Status.MEMORY, "the simulation ran out of memory"
    if report.foreign or len(report.results) > 1:
        return Status.CHEAT, "the output holds a forged or repeated report line"
    if ex.exit_code != 0 or ex.signal:
        return Status.ERROR, f"the simulator exited with {ex.exit_code} (signal {ex.signal})"
    if not report.results:
        return Status.CHEAT, "the simulation ended before assay's testbench reported"
    vectors, mismatches = report.results[0]
    if planned <= 0 or vectors != planned:
        return Status.CHEAT, f"ran {vectors} of {planned} planned vectors"
    if mismatches:
        return Status.FAIL, f"{mismatches} of {vectors} vectors differ from the reference"
    return Status.PASS, ""
