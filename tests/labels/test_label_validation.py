"""Labels on tasks that have a reference or trusted tests (`when: always`): a label most sampled
solutions agree on can still be wrong, so with a reference it must pass on the reference before
it counts (as model-written tests must), and without one only solutions that pass the trusted
tests vote. Either way a wrong majority cannot veto the right solution."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from labelrun import fenced, labelling_config, run_replay

from assay.flows.sources import load_tasks
from assay.schemas.query import query

FUNCTION = {
    "name": "total",
    "prompt": 'def total(xs: list[int]) -> int:\n    """The sum of xs."""\n',
    "entry_point": "total",
    "tests": ["assert total([1, 2]) == 3"],
}
STDIO = {
    "name": "sum_two",
    "prompt": "Read two integers a and b on one line. Print a + b.",
    "entry_point": "main",
    "tests": [json.dumps({"stdin": "1 2\n", "stdout": "3\n"})],
    "meta": {"kind": "stdio", "checker": "tokens"},
}
RIGHT = {
    "total": ["def total(xs):\n    return sum(xs)\n",
              "def total(xs):\n    return sum(x for x in xs)\n"],
    "sum_two": ["a, b = map(int, input().split())\nprint(a + b)\n",
                "import sys\nprint(sum(map(int, sys.stdin.read().split())))\n"],
}  # fmt: skip
WRONG = {  # three ways to drop the first number: they agree with each other, never with RIGHT
    "total": ["def total(xs):\n    return sum(xs[1:])\n",
              "def total(xs):\n    return sum(xs) - xs[0]\n",
              "def total(xs):\n    s = 0\n    for x in xs[1:]:\n        s += x\n    return s\n"],
    "sum_two": ["a, b = map(int, input().split())\nprint(b)\n",
                "print(input().split()[1])\n",
                "a, b = input().split()\nprint(int(b))\n"],
}  # fmt: skip
GENERATOR = {  # the first number is never 0, so the wrong solutions always disagree
    "total": "def generate_test_input(scale):\n    return ([scale, scale + 1],)\n"
    "def validate_test_input(xs):\n    return True\n",
    "sum_two": "def generate_test_input(scale):\n    return f'{scale} {scale + 1}'\n"
    "def validate_test_input(text):\n    return True\n",
}


LABELS = {"when": "always", "generators": 1, "inputs": 4, "solutions": 5, "max_scale": 20}


def _run(tmp: Path, task: dict) -> Path:
    config = labelling_config(tmp, [task], 5, LABELS)
    (t,) = load_tasks(config)
    name = task["name"]
    answers = {
        f"{t.id}:solver": [fenced(c) for c in [*RIGHT[name], *WRONG[name]]],
        f"{t.id}:inputgen": [fenced(GENERATOR[name])],
    }
    run_replay(config, answers)
    return config.dataset


def _reference(task: dict) -> dict:
    return task | {"reference": RIGHT[task["name"]][0]}


@pytest.mark.parametrize("task", [FUNCTION, STDIO], ids=["function", "stdio"])
def test_a_wrong_majority_label_fails_on_the_reference_and_is_dropped(
    tmp_path: Path, task: dict
) -> None:
    dataset = _run(tmp_path, _reference(task))
    kept = query(dataset, "SELECT response, level FROM samples").to_pylist()
    assert len(kept) == 1 and kept[0]["response"] in RIGHT[task["name"]]
    assert kept[0]["level"] == "trusted_tests"
    checked = query(
        dataset, "SELECT unnest(outcomes) AS o FROM verdicts WHERE against = 'reference'"
    ).to_pylist()
    dropped = [r["o"] for r in checked if r["o"]["status"] == "fail"]
    assert dropped and all("agreement" in o["name"] and "3/5" in o["name"] for o in dropped)
    assert all(o["detail"] for o in dropped)  # what the reference gave instead
    pools = query(dataset, "SELECT tests_total FROM verdicts WHERE against LIKE 'pool:%'")
    assert {r["tests_total"] for r in pools.to_pylist()} == {1}  # the trusted test alone


@pytest.mark.parametrize("task", [FUNCTION, STDIO], ids=["function", "stdio"])
def test_without_a_reference_only_solutions_passing_the_trusted_tests_vote(
    tmp_path: Path, task: dict
) -> None:
    dataset = _run(tmp_path, task)
    kept = query(dataset, "SELECT response, tests FROM samples").to_pylist()
    assert len(kept) == 1 and kept[0]["response"] in RIGHT[task["name"]]
    labelled = [x for x in kept[0]["tests"] if "agreement" in x]
    assert labelled and all("2/2" in x for x in labelled)  # the wrong three did not vote
    trusted = query(dataset, "SELECT status FROM verdicts WHERE against = 'trusted'")
    assert sorted(r["status"] for r in trusted.to_pylist()) == ["fail"] * 3 + ["pass"] * 2
