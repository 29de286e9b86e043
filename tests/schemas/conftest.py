"""One real record of every table, shared by the store and view tests."""

from __future__ import annotations

import pytest

from assay.schemas.records import Candidate, Outcome, Role, Run, Sample, Status, Task, Verdict


@pytest.fixture
def records() -> dict[str, list]:
    task = Task(
        "code",
        "seed",
        "add",
        "Write add(a, b).",
        "add",
        "def add(a, b):\n    return a + b\n",
        ("assert add(1, 2) == 3", "assert add(0, 0) == 0"),
        "import math",
        {"level": 1},
    )
    solution = Candidate(
        task.id,
        Role.SOLVER,
        "def add(a, b):\n    return a - b\n",
        "qwen-0.5b",
        {"temperature": 0.8, "seed": 3},
        0,
        "",
        "```python\ndef add(a, b): ...```",
    )
    repair = Candidate(
        task.id, Role.REPAIRER, "def add(a, b):\n    return a + b\n", round=1, parent_id=solution.id
    )
    tester = Candidate(task.id, Role.TESTER, "assert add(2, 2) == 4")
    outcomes = (
        Outcome("assert add(1, 2) == 3", Status.FAIL, "AssertionError"),
        Outcome("assert add(0, 0) == 0", Status.PASS),
    )
    verdict = Verdict(
        solution.id,
        "python",
        Status.FAIL,
        1,
        2,
        outcomes,
        "Traceback ...",
        0.25,
        "process",
        {"exit_code": 1},
        "pool:abc",
        task.id,
    )
    sample = Sample(
        task.id,
        repair.id,
        "code",
        task.prompt,
        repair.text,
        task.tests,
        "codet",
        1.0,
        (verdict.id,),
        "run-1",
    )
    run = Run(
        {"name": "demo", "solver": {"n": 2}},
        "2025-01-02T03:04:05+00:00",
        "2025-01-02T03:05:00+00:00",
        "completed",
        {"assay": "0.1.0"},
        {"samples": 1},
        "run-1",
    )
    return {
        "tasks": [task],
        "candidates": [solution, repair, tester],
        "verdicts": [verdict],
        "samples": [sample],
        "runs": [run],
    }
