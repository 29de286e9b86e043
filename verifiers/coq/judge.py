"""From one sandboxed Coq run to a status, worst first: timeout, memory, coqc's error (blamed on
the trusted part or the proof), then the audit of the theorem's assumptions.

A pass needs all of: coqc accepted the file (exit 0), assay's audit ran and listed only allowed
axioms, and (when configured) coqchk accepted the compiled file. Markers are files the script
writes, never text the candidate can print; coqc's error location is read from the first
`File "./Check.v", line N` ... `Error` pair on stderr, which Coq prints before any message text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from assay.schemas.records import Status
from assay.verifiers.coq import assumptions
from assay.verifiers.coq.build import (
    AUDIT_FAILED,
    AUDIT_OUT,
    CHECK_FAILED,
    KERNEL_FAILED,
    KERNEL_OUT,
)
from assay.verifiers.coq.config import CoqConfig
from assay.verifiers.proofs import Assembled
from assay.verifiers.sandbox import Execution

KILLED = {128 + 9, 128 + 24}  # SIGKILL, SIGXCPU, as sh reports a killed coqc
LOCATION = re.compile(
    r'^File "\./Check\.v", line (\d+), characters \d+-\d+:\n(Error|Warning)', re.M
)
OUT_OF_MEMORY = re.compile(
    r"^(?:Error:\s*|Fatal error: )(out of memory|stack overflow)", re.MULTILINE | re.IGNORECASE
)


@dataclass(frozen=True)
class Judgement:
    status: Status
    reason: str
    evidence: dict[str, Any] = field(default_factory=dict)


def _text(ex: Execution, name: str) -> str:
    return ex.files.get(name, b"").decode(errors="replace")


def _rc(ex: Execution, name: str) -> int:
    try:
        return int(_text(ex, name).strip() or "-1")
    except ValueError:
        return -1


def _compile_failure(ex: Execution, checked: Assembled) -> Judgement:
    log = ex.stderr.decode(errors="replace")
    if _rc(ex, CHECK_FAILED) in KILLED:
        return Judgement(Status.TIMEOUT, "coqc was killed at the CPU limit")
    memory = OUT_OF_MEMORY.search(log)
    if memory or ex.memory_exceeded:
        return Judgement(Status.MEMORY, memory.group(1) if memory else "allocation failed")
    errors = [m for m in LOCATION.finditer(log) if m.group(2) == "Error"]
    if not errors:
        return Judgement(Status.ERROR, "coqc failed without a located error")
    line = int(errors[0].group(1))
    part = checked.blame(line)
    message = log[errors[0].end() - len("Error") :].split("\n\n", 1)[0]
    evidence = {"line": line, "part": part}
    if part == "trusted":
        return Judgement(Status.UNSUPPORTED, "the header or statement does not compile", evidence)
    if re.match(r"Error:\s*Syntax error", message):
        return Judgement(Status.COMPILE_ERROR, "the proof does not parse", evidence)
    reason = "coqc rejected the proof: " + " ".join(message.split())[:300]
    return Judgement(Status.FAIL, reason, evidence)


def _audit(ex: Execution, checked: Assembled, cfg: CoqConfig, header: str) -> Judgement:
    printed = assumptions.parse(_text(ex, AUDIT_OUT))
    if printed is None:
        return Judgement(Status.ERROR, "the assumption audit printed nothing readable")
    used = {"axioms": printed.axioms, "closed": printed.closed}
    others = {k: v for k, v in printed.sections.items() if k != "Axioms" and v}
    if printed.unsafe:
        return Judgement(Status.CHEAT, f"relies on disabled checks: {printed.unsafe}", used)
    if others:
        return Judgement(Status.CHEAT, f"relies on unchecked constructs: {others}", used)
    own = f"{assumptions.MODULE}.{checked.name}"
    if any(a == own or a.startswith(own + "_") for a in printed.axioms):
        return Judgement(Status.CHEAT, "the theorem is assumed, not proved", used)
    declared = assumptions.header_declared(header)
    extra = [
        a
        for a in printed.axioms
        if a not in declared and not assumptions.allowed(a, cfg.allowed_axioms)
    ]
    if extra:
        return Judgement(Status.FAIL, f"uses axioms outside the allowed set: {extra}", used)
    return Judgement(Status.PASS, "", used)


def judge(ex: Execution, checked: Assembled, cfg: CoqConfig, header: str) -> Judgement:
    """The status of one run of `build.run` on `checked`."""
    if ex.timed_out:
        return Judgement(Status.TIMEOUT, "the check ran past its time limit")
    if CHECK_FAILED in ex.files:
        return _compile_failure(ex, checked)
    if AUDIT_FAILED in ex.files:
        return Judgement(
            Status.ERROR, "the assumption audit failed: " + _text(ex, AUDIT_OUT)[-300:]
        )
    if ex.exit_code != 0:
        return Judgement(Status.ERROR, f"the check script exited with {ex.exit_code}")
    verdict = _audit(ex, checked, cfg, header)
    if verdict.status is Status.PASS and cfg.coqchk and KERNEL_FAILED in ex.files:
        reason = "coqchk rejected the compiled proof: " + _text(ex, KERNEL_OUT)[-300:]
        return Judgement(Status.FAIL, reason, verdict.evidence)
    return verdict
