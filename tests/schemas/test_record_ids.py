"""A record's content id is hashed once per record: the driver asks for the same ids many
times per task, and each ask was a JSON dump and a sha256."""

from __future__ import annotations

from dataclasses import replace

import pytest

from assay.schemas import records
from assay.schemas.records import Candidate, Role, Sample, Status, Task, Verdict


def test_ids_are_hashed_once_and_follow_a_replaced_record(monkeypatch: pytest.MonkeyPatch) -> None:
    task = Task("code", "seed", "add", "Write add(a, b).")
    cand = Candidate(task.id, Role.SOLVER, "def add(a, b):\n    return a + b\n")
    verdict = Verdict(cand.id, "python", Status.PASS, task_id=task.id)
    made = {"n": 0}
    real = records.content_id

    def counting(kind: str, *parts: object) -> str:
        made["n"] += 1
        return real(kind, *parts)

    monkeypatch.setattr(records, "content_id", counting)
    fresh = [Task("code", "seed", "sub", "Write sub(a, b)."), replace(cand, text="pass\n"),
             replace(verdict, against="reference"),
             Sample(task.id, cand.id, "code", "p", "r", strategy="all")]  # fmt: skip
    first = [r.id for r in fresh]
    assert [r.id for r in fresh] == first  # asked again: the same ids, not hashed again
    assert made["n"] == len(fresh)
    # a replaced record is a new record: its id is its own content's, not the original's
    assert fresh[1].id == real("candidate", task.id, "solver", "pass\n") != cand.id
    assert fresh[2].id != verdict.id
