"""Model-written asserts on a task with trusted tests and no reference: as labels there, an
assert counts only when a strict majority of the solutions that pass the trusted tests pass it,
so a wrong assert cannot veto the right solution, and a right one still rejects a solution that
passes the trusted tests alone. A killed run resumes to the rows of an uninterrupted one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from labelrun import fenced, labelling_config, run_replay

from assay.flows.domains.code import votes
from assay.flows.domains.code.state import CodeState
from assay.flows.sources import load_tasks
from assay.schemas.query import query
from assay.schemas.records import Outcome, Status, Task, Verdict

TASK = {
    "name": "total",
    "prompt": 'def total(xs: list[int]) -> int:\n    """The sum of xs."""\n',
    "entry_point": "total",
    "tests": ["assert total([1, 2]) == 3"],
}
RIGHT = ["def total(xs):\n    return sum(xs)\n", "def total(xs):\n    return sum(x for x in xs)\n"]
TRIANGLE = "def total(xs):\n    return len(xs) * (len(xs) + 1) // 2\n"  # passes total([1, 2])
WRONG_ASSERT = "assert total([1, 2, 3]) == 7"
RIGHT_ASSERT = "assert total([5, 6]) == 11"  # TRIANGLE gives 3


def _run(tmp: Path, solutions: list[str], asserts: list[str], *more: str) -> Path:
    tmp.mkdir(exist_ok=True)
    config = labelling_config(tmp, [TASK], len(solutions), {"when": "never"}, "tester.n=1", *more)
    (t,) = load_tasks(config)
    answers = {
        f"{t.id}:solver": [fenced(c) for c in solutions],
        f"{t.id}:tester": [fenced("\n".join(asserts) + "\n")],
    }
    run_replay(config, answers)
    return config.dataset


def test_a_wrong_model_assert_does_not_veto_the_right_solution(tmp_path: Path) -> None:
    dataset = _run(tmp_path, RIGHT[:1], [WRONG_ASSERT, RIGHT_ASSERT])
    kept = query(dataset, "SELECT response, tests, level FROM samples").to_pylist()
    assert [k["response"] for k in kept] == RIGHT[:1]
    assert kept[0]["level"] == "trusted_tests"
    assert sorted(kept[0]["tests"]) == sorted([*TASK["tests"], RIGHT_ASSERT])
    pools = query(dataset, "SELECT tests_total FROM verdicts WHERE against LIKE 'pool:%'")
    assert [r["tests_total"] for r in pools.to_pylist()] == [2]  # the wrong assert is out


def test_a_right_assert_most_voters_pass_rejects_a_solution_passing_only_the_trusted_tests(
    tmp_path: Path,
) -> None:
    dataset = _run(tmp_path, [*RIGHT, TRIANGLE], [WRONG_ASSERT, RIGHT_ASSERT], "select.keep=3")
    kept = query(dataset, "SELECT response FROM samples").to_pylist()
    assert sorted(k["response"] for k in kept) == sorted(RIGHT)
    cast = query(dataset, "SELECT status FROM verdicts WHERE against = 'votes'").to_pylist()
    assert sorted(r["status"] for r in cast) == ["fail"] * 3  # all three voted: none passed all


def test_without_voters_no_model_assert_counts(tmp_path: Path) -> None:
    wrong = "def total(xs):\n    return 0\n"
    dataset = _run(tmp_path, [wrong], [RIGHT_ASSERT])
    pools = query(dataset, "SELECT tests_total FROM verdicts WHERE against LIKE 'pool:%'")
    assert [r["tests_total"] for r in pools.to_pylist()] == [1]  # the trusted test alone
    assert not query(dataset, "SELECT * FROM samples").to_pylist()


def _cast(name: str, passed: list[str], failed: list[str]) -> Verdict:
    outcomes = [Outcome(t, Status.PASS) for t in passed] + [Outcome(t, Status.FAIL) for t in failed]
    return Verdict(name, "python", Status.FAIL, len(passed), len(outcomes), tuple(outcomes))


def test_an_assert_counts_on_a_strict_majority_of_the_voters_only() -> None:
    task = Task("code", "test", "t", "def t(): ...", tests=("assert t",))
    cast = [
        _cast("a", ["assert t", "assert x", "assert y"], []),
        _cast("b", ["assert t", "assert x"], ["assert y"]),
        _cast("c", ["assert x", "assert y"], ["assert t"]),  # not a voter
    ]
    assert votes.backed(task, cast) == {"assert x"}  # y: 1 of 2 is no majority
    assert votes.backed(task, cast[2:]) == set()


class Killed(Exception):
    pass


def _tables(dataset: Path) -> dict[str, list[tuple[str, ...]]]:
    """Every published row (repeats included), less when it was committed, check timings and
    the run id (it hashes the dataset's path)."""
    out = {}
    for table in ("tasks", "candidates", "verdicts", "samples"):
        skip = "committed_at, run_id" + (", duration_s" if table == "verdicts" else "")
        rows = query(dataset, f"SELECT * EXCLUDE ({skip}) FROM raw_{table}").to_pylist()
        out[table] = sorted(tuple(str(v) for v in row.values()) for row in rows)
    return out


def test_a_run_killed_after_the_votes_resumes_to_the_rows_of_an_uninterrupted_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = ([*RIGHT, TRIANGLE], [WRONG_ASSERT, RIGHT_ASSERT], "select.keep=3")
    whole = _run(tmp_path / "whole", *run)
    commit = CodeState.commit

    def dies_after_the_votes(self: CodeState, stage: str, *args: Any) -> None:
        commit(self, stage, *args)
        if stage == votes.VOTES:
            self.flush()
            raise Killed

    monkeypatch.setattr(CodeState, "commit", dies_after_the_votes)
    with pytest.raises(Killed):
        _run(tmp_path / "broken", *run)
    monkeypatch.undo()
    broken = _run(tmp_path / "broken", *run)
    assert _tables(broken) == _tables(whole)


def test_a_run_whose_round_0_pool_was_checked_before_votes_keeps_that_pool(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    commit = CodeState.commit

    def dies_after_round_0(self: CodeState, stage: str, *args: Any) -> None:
        commit(self, stage, *args)
        if stage == "verify":
            self.flush()
            raise Killed

    monkeypatch.setattr(votes, "applies", lambda task: False)  # the flow as it was
    monkeypatch.setattr(CodeState, "commit", dies_after_round_0)
    with pytest.raises(Killed):
        _run(tmp_path, [*RIGHT, TRIANGLE], [RIGHT_ASSERT], "select.keep=3")
    monkeypatch.undo()
    dataset = _run(tmp_path, [*RIGHT, TRIANGLE], [RIGHT_ASSERT], "select.keep=3")
    kept = query(dataset, "SELECT response FROM samples").to_pylist()
    assert sorted(k["response"] for k in kept) == sorted(RIGHT)  # round 0's verdicts count
    assert not query(dataset, "SELECT * FROM verdicts WHERE against = 'votes'").to_pylist()
