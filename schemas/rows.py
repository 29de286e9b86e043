"""Records ⇄ table rows, in one place: what each record looks like as a Parquet row and back.

Dicts become JSON strings (their keys vary by model, verifier and run), enums become their string
values, and every row is stamped with the run that wrote it and the commit time.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, TypeAlias

from assay.schemas.records import (
    TIERS,
    Candidate,
    Curation,
    Decision,
    Formal,
    Level,
    Outcome,
    Role,
    Run,
    Sample,
    Status,
    Task,
    Verdict,
)

Record: TypeAlias = Task | Candidate | Verdict | Sample | Run | Curation
Row: TypeAlias = dict[str, Any]

TABLE_OF: dict[type, str] = {
    Task: "tasks",
    Candidate: "candidates",
    Verdict: "verdicts",
    Sample: "samples",
    Run: "runs",
    Curation: "curation",
}
_STATUSES = frozenset(s.value for s in Status)
_ROLES = frozenset(r.value for r in Role)
_TIERS = frozenset(TIERS)
_LEVELS = frozenset(v.value for v in Level) | {""}  # "": a sample written before levels existed
_FORMAL = frozenset(f.value for f in Formal) | {""}
_DECISIONS = frozenset(d.value for d in Decision)


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def _time(text: str, what: str) -> datetime | None:
    """ISO 8601 text → aware UTC datetime (naive means UTC); empty means not set."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{what} {text!r} is not ISO 8601; write datetime.isoformat()") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _enum_value(value: Any, allowed: frozenset[str], what: str) -> str:
    text = value.value if hasattr(value, "value") else value
    if text not in allowed:
        raise ValueError(f"{what} {text!r} is not one of {', '.join(sorted(allowed))}")
    return str(text)


def _outcome(o: Outcome) -> Row:
    return {
        "name": o.name,
        "status": _enum_value(o.status, _STATUSES, "outcome status"),
        "detail": o.detail,
    }


def to_row(record: Record, run_id: str, committed_at: datetime) -> Row:
    """One record as a row of its table; `run_id` applies where the record carries none."""
    stamp = {"run_id": run_id, "committed_at": committed_at}
    match record:
        case Task():
            row = {**record.to_dict(), "meta": _json(record.meta)}
        case Candidate():
            row = {
                "id": record.id,
                "task_id": record.task_id,
                "model": record.model,
                "role": _enum_value(record.role, _ROLES, "candidate role"),
                "sampling": _json(record.sampling),
                "round": record.round,
                "parent_id": record.parent_id,
                "text": record.text,
                "raw": record.raw,
                "wave": record.wave,
            }
        case Verdict():
            row = {
                "id": record.id,
                "task_id": record.task_id,
                "candidate_id": record.candidate_id,
                "verifier": record.verifier,
                "status": _enum_value(record.status, _STATUSES, "verdict status"),
                "tests_passed": record.tests_passed,
                "tests_total": record.tests_total,
                "outcomes": [_outcome(o) for o in record.outcomes],
                "stderr_tail": record.stderr_tail,
                "duration_s": record.duration_s,
                "isolation": record.isolation,
                "evidence": _json(record.evidence),
                "against": record.against,
                "tier": _enum_value(record.tier, _TIERS, "verdict tier"),
                "verifier_version": record.verifier_version,
                "config_hash": record.config_hash,
            }
        case Sample():
            row = {
                "id": record.id,
                "task_id": record.task_id,
                "candidate_id": record.candidate_id,
                "domain": record.domain,
                "prompt": record.prompt,
                "response": record.response,
                "tests": list(record.tests),
                "strategy": record.strategy,
                "score": record.score,
                "verdict_ids": list(record.verdict_ids),
                "level": _enum_value(record.level, _LEVELS, "sample level"),
                "formal": _enum_value(record.formal, _FORMAL, "sample formal"),
            }
            stamp["run_id"] = record.run_id or run_id
        case Run():
            row = {
                "id": record.id,
                "name": str(record.config.get("name", "")),
                "state": record.state,
                "config": _json(record.config),
                "started_at": _time(record.started_at, "run started_at"),
                "ended_at": _time(record.ended_at, "run ended_at"),
                "versions": _json(record.versions),
                "counts": _json(record.counts),
            }
            stamp["run_id"] = record.id
        case Curation():
            row = {
                "id": record.id,
                "pass_id": record.pass_id,
                "sample_id": record.sample_id,
                "task_id": record.task_id,
                "domain": record.domain,
                "decision": _enum_value(record.decision, _DECISIONS, "curation decision"),
                "reason": record.reason,
                "matched": record.matched,
                "similarity": record.similarity,
                "difficulty": record.difficulty,
                "pass_rate": record.pass_rate,
                "attempts": record.attempts,
                "passes": record.passes,
                "pass_config": _json(record.pass_config),
                "same_prompt_as": record.same_prompt_as,
            }
        case _:
            raise TypeError(f"cannot store {type(record).__name__}; store one of {_names()}")
    return {**row, **stamp}


def _names() -> str:
    return ", ".join(t.__name__ for t in TABLE_OF)


def _iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


def from_row(table: str, row: Row) -> Record:
    """A row read back (`query(...).to_pylist()`) as its record; unknown columns are ignored."""
    r = row
    if table == "tasks":
        return Task(
            r["domain"],
            r["source"],
            r["name"],
            r["prompt"],
            r["entry_point"],
            r["reference"],
            tuple(r["tests"] or ()),
            r["setup"],
            json.loads(r["meta"] or "{}"),
        )
    if table == "candidates":
        return Candidate(
            r["task_id"],
            Role(r["role"]),
            r["text"],
            r["model"],
            json.loads(r["sampling"] or "{}"),
            r["round"],
            r["parent_id"],
            r["raw"],
            r.get("wave") or 0,
        )
    if table == "verdicts":
        outcomes = tuple(
            Outcome(o["name"], Status(o["status"]), o["detail"]) for o in r["outcomes"] or ()
        )
        return Verdict(
            r["candidate_id"],
            r["verifier"],
            Status(r["status"]),
            r["tests_passed"],
            r["tests_total"],
            outcomes,
            r["stderr_tail"],
            r["duration_s"],
            r["isolation"],
            json.loads(r["evidence"] or "{}"),
            r["against"],
            r["task_id"] or "",
            r.get("tier") or "",
            r.get("verifier_version") or 0,
            r.get("config_hash") or "",
        )
    if table == "samples":
        return Sample(
            r["task_id"],
            r["candidate_id"],
            r["domain"],
            r["prompt"],
            r["response"],
            tuple(r["tests"] or ()),
            r["strategy"],
            r["score"],
            tuple(r["verdict_ids"] or ()),
            r["run_id"],
            r.get("level") or "",
            r.get("formal") or "",
        )
    if table == "runs":
        return Run(
            json.loads(r["config"]),
            _iso(r["started_at"]),
            _iso(r["ended_at"]),
            r["state"],
            json.loads(r["versions"] or "{}"),
            json.loads(r["counts"] or "{}"),
            r["id"],
        )
    if table == "curation":
        return Curation(
            r["pass_id"],
            r["sample_id"],
            r["task_id"],
            r["domain"],
            Decision(r["decision"]),
            r["reason"],
            r["matched"],
            r["similarity"],
            r["difficulty"],
            r["pass_rate"],
            r["attempts"],
            r["passes"],
            json.loads(r["pass_config"] or "{}"),
            r.get("same_prompt_as") or "",  # NULL in files written before the column
        )
    raise KeyError(f"unknown table {table!r}; the dataset has {', '.join(TABLE_OF.values())}")
