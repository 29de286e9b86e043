"""From the REPL's answers to a closed status: errors, then sorries, then axioms."""

from __future__ import annotations

from typing import Any

from assay.schemas.records import Status
from assay.verifiers.lean.axioms import axioms_of
from assay.verifiers.lean.protocol import CommandResponse, Message, ReplError, Response

_SORRY_WARNINGS = ("declaration uses 'sorry'", "declaration uses `sorry`")
_PARSE = ("unexpected token", "unexpected end of input", "unexpected identifier")


def _brief(messages: tuple[Message, ...] | list[Message]) -> list[dict[str, Any]]:
    return [
        {"severity": m.severity, "line": m.pos.line, "column": m.pos.column, "data": m.data[:500]}
        for m in list(messages)[:20]
    ]


def judge_proof(answer: Response) -> tuple[Status | None, dict[str, Any]]:
    """Status of the theorem's own answer, or None when it elaborated cleanly (axioms next)."""
    if isinstance(answer, ReplError):
        return Status.ERROR, {"reason": f"the REPL refused the command: {answer.message}"}
    if not isinstance(answer, CommandResponse):
        return Status.ERROR, {"reason": f"unexpected answer type {type(answer).__name__}"}
    evidence: dict[str, Any] = {"messages": _brief(answer.messages)}
    errors = answer.errors()
    if errors:
        parse_only = all(m.data.startswith(_PARSE) for m in errors)
        evidence["reason"] = f"{len(errors)} error(s): {errors[0].data[:300]}"
        return (Status.COMPILE_ERROR if parse_only else Status.FAIL), evidence
    if answer.sorries or any(m.data.startswith(_SORRY_WARNINGS) for m in answer.messages):
        evidence["reason"] = "the proof elaborates only with `sorry`"
        evidence["sorries"] = [s.goal[:300] for s in answer.sorries]
        return Status.CHEAT, evidence
    return None, evidence


def judge_axioms(
    answer: Response, name: str, allowed: frozenset[str]
) -> tuple[Status, dict[str, Any]]:
    """PASS when `#print axioms` reports only `allowed` axioms for `name`."""
    if not isinstance(answer, CommandResponse):
        return Status.ERROR, {"reason": f"`#print axioms {name}` was refused: {answer!r}"[:500]}
    found = axioms_of(answer.messages, name)
    if found is None:
        return Status.ERROR, {
            "reason": f"Lean did not report the axioms of {name}",
            "messages": _brief(answer.messages),
        }
    evidence: dict[str, Any] = {"axioms": sorted(found)}
    extra = found - allowed
    if extra:
        evidence["reason"] = f"depends on axioms outside the allowed set: {sorted(extra)}"
        return Status.CHEAT, evidence
    return Status.PASS, evidence


def judge(
    answer: Response, axioms: Response | None, name: str, allowed: frozenset[str]
) -> tuple[Status, dict[str, Any]]:
    status, evidence = judge_proof(answer)
    if status is not None:
        return status, evidence
    if axioms is None:
        return Status.ERROR, {**evidence, "reason": "the axioms were not checked"}
    status, more = judge_axioms(axioms, name, allowed)
    return status, {**evidence, **more}
