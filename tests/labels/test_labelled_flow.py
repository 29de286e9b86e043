"""Tasks without tests through the engine: generated inputs, labels by agreement of sampled
solutions, the pool, selection and the sample's `agreement_labelled` level, then a rerun that
redoes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from labelrun import fenced, labelling_config, run_replay

from assay.flows.config import RunConfig
from assay.flows.domains import get
from assay.flows.sources import TaskFileError, load_tasks
from assay.schemas.query import query

FUNCTION = {
    "name": "total",
    "prompt": 'def total(xs: list[int]) -> int:\n    """The sum of xs."""\n',
    "entry_point": "total",
}
STDIO = {
    "name": "sum_two",
    "prompt": "Read two integers a and b on one line. Print a + b.",
    "entry_point": "main",
    "meta": {"kind": "stdio", "checker": "tokens"},
}
RIGHT_F = [
    "def total(xs):\n    return sum(xs)\n",
    "def total(xs):\n    s = 0\n    for x in xs:\n        s += x\n    return s\n",
    "def total(xs):\n    return sum(x for x in xs)\n",
]
WRONG_F = "def total(xs):\n    return sum(xs[1:])\n"
RIGHT_S = [
    "a, b = map(int, input().split())\nprint(a + b)\n",
    "import sys\nprint(sum(map(int, sys.stdin.read().split())))\n",
    "x = input().split()\nprint(int(x[0]) + int(x[1]))\n",
]
WRONG_S = "a, b = map(int, input().split())\nprint(a - b)\n"
GEN_F = (
    "import random\n"
    "def generate_test_input(scale):\n"
    "    return ([random.randint(-9, 9) for _ in range(1 + scale % 5)],)\n"
    "def validate_test_input(xs):\n"
    "    return all(isinstance(x, int) for x in xs)\n"
)
GEN_S = (
    "import random\n"
    "def generate_test_input(scale):\n"
    "    return f'{random.randint(-scale, scale)} {random.randint(0, scale)}'\n"
    "def validate_test_input(text):\n"
    "    return len(text.split()) == 2\n"
)


LABELS = {"when": "untested", "generators": 1, "inputs": 6, "solutions": 4, "max_scale": 20}


def _config(tmp: Path, *more: str) -> RunConfig:
    return labelling_config(tmp, [FUNCTION, STDIO], 2, LABELS, *more)


def _answers(tasks) -> dict[str, list[str]]:
    by_name = {t.name: t for t in tasks}
    f, s = by_name["total"], by_name["sum_two"]
    return {
        f"{f.id}:solver": [fenced(c) for c in [*RIGHT_F, WRONG_F]],
        f"{f.id}:inputgen": [fenced(GEN_F)],
        f"{s.id}:solver": [fenced(c) for c in [*RIGHT_S, WRONG_S]],
        f"{s.id}:inputgen": ["Here:\n" + fenced(GEN_S)],
    }


@pytest.mark.parametrize("strategy", ["codet", "majority"])
def test_tasks_without_tests_are_labelled_by_agreement(tmp_path: Path, strategy: str) -> None:
    config = _config(tmp_path, f"select.strategy={strategy}")
    tasks = load_tasks(config)
    assert run_replay(config, _answers(tasks)).calls > 0
    rows = query(config.dataset, "SELECT task_id, response, tests, level FROM samples")
    samples = {r["task_id"]: r for r in rows.to_pylist()}
    assert len(samples) == 2
    for t in tasks:
        sample = samples[t.id]
        assert sample["level"] == "agreement_labelled"
        assert sample["response"] in [c for c in RIGHT_F + RIGHT_S]
        assert len(sample["tests"]) >= 3
        if t.name == "total":
            assert all(x.startswith("assert total(") for x in sample["tests"])
            notes = [x.rpartition("# agreement ")[2] for x in sample["tests"]]
        else:
            notes = [json.loads(x)["agreement"] for x in sample["tests"]]
        # the wrong solution agrees now and then (b = 0, xs[0] = 0), never with fewer than 3
        assert set(notes) <= {"3/4", "4/4"} and "3/4" in notes
    pool = "SELECT text, status FROM checked_candidates WHERE against LIKE 'pool:%'"
    status = {v["text"]: v["status"] for v in query(config.dataset, pool).to_pylist()}
    assert status[WRONG_F] == status[WRONG_S] == "fail"  # judged against the agreed labels
    assert all(status[c] == "pass" for c in RIGHT_F + RIGHT_S)
    roles = query(config.dataset, "SELECT role, count(*) AS n FROM candidates GROUP BY role")
    assert {r["role"]: r["n"] for r in roles.to_pylist()} == {"inputgen": 2, "solver": 8}
    if strategy == "codet":  # a rerun asks the model nothing and commits nothing
        history = "SELECT count(*) AS n FROM verdict_history"
        before = query(config.dataset, history).to_pylist()
        assert run_replay(config, _answers(tasks)).calls == 0
        assert query(config.dataset, history).to_pylist() == before


def test_solutions_that_disagree_label_nothing_and_keep_nothing(tmp_path: Path) -> None:
    config = _config(tmp_path)
    tasks = load_tasks(config)
    answers = _answers(tasks)
    f = next(t for t in tasks if t.name == "total")
    answers[f"{f.id}:solver"] = [
        fenced(f"def total(xs):\n    return sum(xs) + {k}\n") for k in range(4)
    ]
    run_replay(config, answers)
    kept = query(config.dataset, "SELECT task_id FROM samples").to_pylist()
    assert [r["task_id"] for r in kept] == [t.id for t in tasks if t.name == "sum_two"]


def test_a_function_task_to_label_must_name_its_function(tmp_path: Path) -> None:
    config = _config(tmp_path)
    from dataclasses import replace

    task = replace(load_tasks(config)[0], entry_point="")
    with pytest.raises(TaskFileError, match="field entry_point: labelling by agreement"):
        get("code").flow().check_tasks([task], config)
