"""A verifier's items as JSONL: reading input lines into its `Item` models and writing verdict
lines. The one place a check item is validated (`item_of`): the check lane validates what a
program or `assay verify` sends with it, so a bad item fails before anything runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from assay.schemas.jsonl import read_jsonl, validate_line
from assay.schemas.records import Verdict
from assay.verifiers.registry import Verifier


class InputError(ValueError):
    """An input file that cannot be verified; the message names the file, line and field."""


def item_of(
    verifier: Verifier, obj: Any, where: str, error: type[Exception] = ValueError
) -> BaseModel:
    """`obj` as one of `verifier`'s items (as is when it already is one); a bad one raises
    `error` naming `where` and the field."""
    if isinstance(obj, verifier.Item):
        return obj
    return validate_line(verifier.Item, obj, where, error)


def items_of(verifier: Verifier, objs: Sequence[Any]) -> list[BaseModel]:
    """Every object as `verifier`'s item; the first invalid one raises naming its index."""
    name = verifier.name
    return [
        item_of(verifier, o, f"item {i} is not a valid {name} input") for i, o in enumerate(objs)
    ]


def read_items(verifier: Verifier, path: Path) -> list[BaseModel]:
    """Every line parsed and validated; the first bad one raises naming file, line and field."""
    return [
        item_of(verifier, obj, f"{path}:{number}", InputError)
        for number, obj in read_jsonl(Path(path), InputError)
    ]


def verdict_line(item: BaseModel, verdict: Verdict) -> dict[str, Any]:
    """One output line: the input's id and pass-through fields, then the verdict, and whether
    the candidate was `judged` (false, with the `reason`, when the check itself failed: a lost
    worker, a broken sandbox, a missing toolchain; mask it, never score it as wrong)."""
    reason = verdict.evidence.get("infrastructure")
    line = {
        **(item.model_extra or {}),
        "id": getattr(item, "id", verdict.candidate_id),
        "status": verdict.status.value,
        "tests_passed": verdict.tests_passed,
        "tests_total": verdict.tests_total,
        "outcomes": [
            {"name": o.name, "status": o.status.value, "detail": o.detail} for o in verdict.outcomes
        ],
        "stderr_tail": verdict.stderr_tail,
        "duration_s": round(verdict.duration_s, 4),
        "isolation": verdict.isolation,
        "evidence": verdict.evidence,
        "config_hash": verdict.config_hash,  # what it was checked under, as a run records it
        "judged": reason is None,
    }
    if reason is not None:
        line["reason"] = str(reason)
    return line
