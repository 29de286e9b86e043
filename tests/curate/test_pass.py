"""A curation pass over a dataset of tasks, solutions, verdicts and samples: a new verdict that
changes a task's difficulty starts a new pass, and the `difficulty` view labels with the newest
pass's thresholds (the defaults before any pass), as the pass's own rows do."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from assay.flows.cli import app
from assay.flows.curate import CurateConfig, curate_dataset
from assay.schemas.query import query
from assay.schemas.records import Candidate, Role, Sample, Status, Task, Verdict
from assay.schemas.store import Store

TASK = Task("code", "seed", "add", "Write add(a, b).", "add")
SOLUTIONS = [f"def add(a, b):\n    return a + b + {k}\n" for k in range(4)]


def _solutions(dataset: Path, statuses: list[Status], key: str) -> list[Candidate]:
    """Commit the task, a solver candidate per status and its verdict."""
    store = Store(dataset)
    found = [Candidate(TASK.id, Role.SOLVER, text) for text in SOLUTIONS[: len(statuses)]]
    verdicts = [
        Verdict(c.id, "python", status, against="pool:1", task_id=TASK.id, tier="tests")
        for c, status in zip(found, statuses, strict=True)
    ]
    tables = {"tasks": [TASK], "candidates": found, "verdicts": verdicts}
    store.write(store.prepare(key, tables, run_id="run-1"))
    return found


def _sample(dataset: Path, solution: Candidate) -> None:
    store = Store(dataset)
    sample = Sample(TASK.id, solution.id, "code", TASK.prompt, solution.text,
                    ("assert add(1, 2) == 3",), "all", level="trusted_tests")  # fmt: skip
    store.write(store.prepare("select/run-1", {"samples": [sample]}, run_id="run-1"))


def _view(dataset: Path) -> list[dict]:
    sql = "SELECT attempts, passes, difficulty FROM difficulty"
    return query(dataset, sql).to_pylist()


def test_a_verdict_that_changes_a_difficulty_starts_a_new_pass(tmp_path: Path) -> None:
    dataset = tmp_path / "ds"
    (solution,) = _solutions(dataset, [Status.PASS], "round/0")
    _sample(dataset, solution)
    first = curate_dataset(dataset, CurateConfig())
    assert first["committed"]
    # Two more solutions fail: the same sample, but its task is now 1 of 3 (medium, not easy).
    _solutions(dataset, [Status.PASS, Status.FAIL, Status.FAIL], "round/1")
    again = curate_dataset(dataset, CurateConfig())
    assert again["committed"] and again["pass_id"] != first["pass_id"]
    rows = query(dataset, "SELECT difficulty, attempts, passes FROM curated_samples").to_pylist()
    assert rows == [{"difficulty": "medium", "attempts": 3, "passes": 1}]
    assert not curate_dataset(dataset, CurateConfig())["committed"]  # unchanged: no new pass


def test_the_difficulty_view_follows_the_newest_pass_thresholds(tmp_path: Path) -> None:
    dataset = tmp_path / "ds"
    (solution, *_) = _solutions(dataset, [Status.PASS, Status.FAIL, Status.FAIL], "round/0")
    # No pass yet: the default thresholds (2/3 and 1/3), and `assay sql` reads the view.
    assert _view(dataset) == [{"attempts": 3, "passes": 1, "difficulty": "medium"}]
    shown = CliRunner().invoke(app, ["sql", "SELECT difficulty FROM difficulty", "--dataset",
                                     str(dataset), "--format", "csv"])  # fmt: skip
    assert shown.exit_code == 0 and shown.output.split() == ["difficulty", "medium"]
    _sample(dataset, solution)
    strict = CurateConfig(difficulty={"easy": 0.9, "hard": 0.5})
    curate_dataset(dataset, strict)
    assert _view(dataset)[0]["difficulty"] == "hard"  # 1/3 is below 0.5
    curated = query(dataset, "SELECT difficulty FROM curation").to_pylist()
    assert curated == [{"difficulty": "hard"}]  # the pass and the view agree
    curate_dataset(dataset, CurateConfig(difficulty={"easy": 0.3, "hard": 0.1}))
    assert _view(dataset)[0]["difficulty"] == "easy"
    curate_dataset(dataset, CurateConfig())  # back to the defaults
    assert _view(dataset)[0]["difficulty"] == "medium"


def test_the_inputs_are_hashed_as_they_stream_to_the_id_of_their_list() -> None:
    """The pass id's inputs part reads the samples a chunk at a time, never as one list, and
    is the `content_id` of that list: passes committed before streaming keep their ids."""
    import duckdb

    from assay.flows.curate.run import _inputs_id
    from assay.schemas.records import content_id

    con = duckdb.connect()
    con.execute("CREATE TABLE _inputs (id TEXT, level TEXT, checks INT, attempts INT, passes INT)")
    assert _inputs_id(con) == content_id("inputs", [])
    rows = [(f"s{k}", "trusted_tests" if k % 2 else "", k, 3, k % 3) for k in range(7)]
    con.executemany("INSERT INTO _inputs VALUES (?, ?, ?, ?, ?)", rows)
    assert _inputs_id(con, chunk=3) == content_id("inputs", rows) == _inputs_id(con, chunk=100)
