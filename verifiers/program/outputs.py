"""A program's outputs on given inputs in any language, recorded rather than judged
(`program-outputs`): the votes that label tests for tasks the `program` verifier judges.

The program is built once (the run's build cache, as the judge's) and run once per input under
the judge's per-test limits; `evidence["outputs"]` has one entry per input, as
`python-outputs` gives them: its stdout, or None when it crashed, ran out of time or memory, or
printed more than can be stored. The verdict is `not_verified` (nothing was judged) unless the
program does not build (`compile_error`). Outputs carry no language, so programs in different
languages that print the same answer vote together.
"""

from __future__ import annotations

from pydantic import Field

from assay.schemas.records import Outcome, Status, Verdict
from assay.verifiers.program.build import BuildCache
from assay.verifiers.program.judge import execute, run_failure, run_limits
from assay.verifiers.program.verifier import ProgramLimits, ProgramLine
from assay.verifiers.registry import Registered, get, register
from assay.verifiers.sandbox import Limits, Sandbox

NAME = "program-outputs"


class ProgramOutputsItem(ProgramLine):
    """One program and the stdin texts to run it on."""

    inputs: list[str] = Field(min_length=1)
    max_output_bytes: int = Field(default=16_384, ge=1)


def record_outputs(
    item: ProgramOutputsItem, sandbox: Sandbox, limits: Limits, cache: BuildCache
) -> Verdict:
    """Build the program (or reuse its build), run it on every input, keep what it printed."""
    given = item.limits or ProgramLimits(time_s=limits.cpu_s, memory_mb=limits.memory_mb)
    per_test = run_limits(given.time_s, given.memory_mb)
    build, cached = cache.get(item.language, item.code, sandbox)
    evidence: dict[str, object] = {"kind": "stdio", "language": item.language,
                                   "toolchain": build.toolchain, "cached": cached}  # fmt: skip
    if not build.ok:
        return Verdict(str(item.id), NAME, Status.COMPILE_ERROR, 0, len(item.inputs),
                       stderr_tail=build.error[-2000:], evidence=evidence)  # fmt: skip
    outputs: list[str | None] = []
    outcomes, seconds = [], 0.0
    for i, text in enumerate(item.inputs):
        ex = execute(build, item.code, text.encode(), sandbox, per_test)
        seconds += ex.duration_s
        failed = run_failure(f"input {i}", ex, per_test)
        if failed is None and len(ex.stdout) > item.max_output_bytes:
            failed = Outcome(f"input {i}", Status.ERROR, "output too large to store")
        outputs.append(None if failed else ex.stdout.decode(errors="replace"))
        outcomes.append(failed or Outcome(f"input {i}", Status.NOT_VERIFIED, "output recorded"))
    return Verdict(
        str(item.id), NAME, Status.NOT_VERIFIED, 0, len(item.inputs), tuple(outcomes),
        duration_s=seconds, isolation=sandbox.isolation, evidence={**evidence, "outputs": outputs},
    )  # fmt: skip


@register(NAME, ProgramOutputsItem, tier="tests")
class ProgramOutputsVerifier(Registered):
    """The registry's face of `record_outputs`; builds go to the `program` verifier's cache, so
    a program whose outputs were recorded is judged on the same build."""

    def check(self, item: ProgramOutputsItem, sandbox: Sandbox, limits: Limits) -> Verdict:
        cache: BuildCache = getattr(get("program"), "cache")  # noqa: B009 - not in the Protocol
        return record_outputs(item, sandbox, limits, cache)
