"""A solution's outputs on given inputs, recorded rather than judged: the votes that label tests.

A function task's solution is called with each argument tuple through the trusted harness (one
sandboxed run; the value comes back as plain data); a stdin/stdout program runs once per input
and its stdout is kept. `evidence["outputs"]` has one entry per input the solution got to: its
output (the plain-data JSON of a value, or the stdout text), or None when it raised, crashed, ran
out of time or printed more than can be stored; inputs after a run was cut short have no entry.
The verdict is `not_verified` (nothing was judged) unless the program does not load at all.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from assay.schemas.records import Outcome, Status, Verdict
from assay.verifiers.python.check import compile_error
from assay.verifiers.python.inputs import Kind, harness_results
from assay.verifiers.python.stdio import PROGRAM
from assay.verifiers.registry import Registered, register
from assay.verifiers.sandbox import Limits, Sandbox

NAME = "python-outputs"


def _function_outputs(
    code: str, inputs: list[str], entry: str, setup: str, sandbox: Sandbox, limits: Limits
) -> tuple[list[str | None], list[Outcome], str, Any]:
    exprs = [f"{entry}(*{args})" for args in inputs]
    results, load_error, ex = harness_results(code, exprs, sandbox, limits, setup, entry)
    outputs: list[str | None] = []
    outcomes = []
    for i, message in enumerate(results):
        if message is None:
            status = Status.TIMEOUT if ex.timed_out else Status.ERROR
            outcomes.append(Outcome(f"input {i}", status, "not reached: the run ended before"))
            continue
        if "value" in message:
            outputs.append(json.dumps(message["value"]))
            outcomes.append(Outcome(f"input {i}", Status.NOT_VERIFIED, "output recorded"))
        else:
            outputs.append(None)
            outcomes.append(Outcome(f"input {i}", Status.ERROR, str(message.get("error"))[:300]))
    return outputs, outcomes, load_error, ex


def _stdio_outputs(
    code: str, inputs: list[str], sandbox: Sandbox, limits: Limits
) -> tuple[list[str | None], list[Outcome], float, str]:
    argv = [sys.executable, "-I", "-S", PROGRAM]
    outputs: list[str | None] = []
    outcomes, seconds, isolation = [], 0.0, sandbox.isolation
    for i, text in enumerate(inputs):
        ex = sandbox.run_command(argv, {PROGRAM: code.encode()}, limits, stdin=text.encode())
        seconds, isolation = seconds + ex.duration_s, ex.isolation
        name = f"input {i}"
        if ex.timed_out or ex.memory_exceeded or ex.exit_code != 0:
            status = (
                Status.TIMEOUT if ex.timed_out
                else Status.MEMORY if ex.memory_exceeded
                else Status.ERROR
            )  # fmt: skip
            tail = ex.stderr.decode(errors="replace").strip()[-300:]
            outputs.append(None)
            outcomes.append(Outcome(name, status, tail))
        elif len(ex.stdout) >= limits.output_bytes:
            outputs.append(None)
            outcomes.append(Outcome(name, Status.ERROR, "printed more than the output limit"))
        else:
            outputs.append(ex.stdout.decode(errors="replace"))
            outcomes.append(Outcome(name, Status.NOT_VERIFIED, "output recorded"))
    return outputs, outcomes, seconds, isolation


def record_outputs(
    candidate_id: str,
    code: str,
    kind: str,
    inputs: list[str],
    sandbox: Sandbox,
    limits: Limits,
    entry_point: str = "",
    setup: str = "",
    max_output_bytes: int = 16_384,
) -> Verdict:
    """Run the solution on every input and record what it gave (see the module docstring)."""
    if detail := compile_error(code):
        return Verdict(candidate_id, NAME, Status.COMPILE_ERROR, 0, len(inputs), stderr_tail=detail)
    if kind != "stdio" and not entry_point.isidentifier():
        reason = f"a function task needs an entry point to call, got {entry_point!r}"
        return Verdict(candidate_id, NAME, Status.ERROR, 0, len(inputs), stderr_tail=reason)
    if kind == "stdio":
        outputs, outcomes, seconds, isolation = _stdio_outputs(code, inputs, sandbox, limits)
        tail = ""
    else:
        outputs, outcomes, load_error, ex = _function_outputs(
            code, inputs, entry_point, setup, sandbox, limits
        )
        if load_error:
            return Verdict(
                candidate_id, NAME, Status.ERROR, 0, len(inputs), stderr_tail=load_error[-2000:]
            )
        seconds, isolation = ex.duration_s, ex.isolation
        tail = ex.stderr.decode(errors="replace").strip()[-2000:]
    for i, out in enumerate(outputs):
        if out is not None and len(out.encode()) > max_output_bytes:
            outputs[i] = None
            outcomes[i] = Outcome(outcomes[i].name, Status.ERROR, "output too large to store")
    return Verdict(
        candidate_id,
        NAME,
        Status.NOT_VERIFIED,
        0,
        len(inputs),
        tuple(outcomes),
        stderr_tail=tail,
        duration_s=seconds,
        isolation=isolation,
        evidence={"kind": kind, "outputs": outputs},
    )


class OutputsItem(BaseModel):
    """One solution and the inputs to run it on (`assay verify python-outputs`): stdin texts,
    or `repr`s of argument tuples for `entry_point`."""

    model_config = ConfigDict(extra="allow")

    id: str | int
    code: str
    kind: Kind = "function"
    inputs: list[str] = Field(min_length=1)
    entry_point: str = ""
    setup: str = ""
    max_output_bytes: int = Field(default=16_384, ge=1)


@register(NAME, OutputsItem, tier="tests")
class OutputsVerifier(Registered):
    """The registry's face of `record_outputs`."""

    def check(self, item: OutputsItem, sandbox: Sandbox, limits: Limits) -> Verdict:
        return record_outputs(
            str(item.id),
            item.code,
            item.kind,
            item.inputs,
            sandbox,
            limits,
            item.entry_point,
            item.setup,
            item.max_output_bytes,
        )
