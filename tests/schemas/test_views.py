"""The DuckDB views over real commits: shapes with no data, de-duplication, runs, the matrix."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pyarrow as pa

from assay.flows import dataset
from assay.schemas.query import VIEWS, query, reading
from assay.schemas.records import Candidate, Outcome, Role, Run, Status, Task, Verdict
from assay.schemas.store import Store
from assay.schemas.tables import SCHEMAS


def _count(root: Path, view: str) -> int:
    return query(root, f"SELECT count(*) AS n FROM {view}")["n"][0].as_py()


def test_views_exist_with_columns_and_no_rows_before_any_commit(tmp_path: Path) -> None:
    root = tmp_path / "never-written"
    for view in dataset.views():  # the shared views, then the registered domains'
        assert dataset.query(root, f"SELECT * FROM {view}").num_rows == 0
    assert {"proof_attempts", "translation_rounds"} <= set(dataset.views()) - set(VIEWS)
    for table, schema in SCHEMAS.items():
        got = query(root, f"SELECT * FROM {table}").schema
        for field in schema:  # DuckDB names UTC "Etc/UTC"; every other type comes back as declared
            want = pa.timestamp("us") if pa.types.is_timestamp(field.type) else field.type
            have = got.field(field.name).type
            assert (pa.timestamp("us") if pa.types.is_timestamp(have) else have) == want
    runs = query(root, "SELECT * FROM runs").schema.names
    assert {"id", "name", "state", "tasks", "candidates", "verdicts", "samples"} <= set(runs)


def test_a_table_with_no_file_has_the_types_its_files_have(tmp_path: Path) -> None:
    """The empty shape is written as SQL types: they are the types DuckDB reads from a file."""
    import pyarrow.parquet as pq

    for table, schema in SCHEMAS.items():
        file = tmp_path / f"{table}.parquet"
        pq.write_table(schema.empty_table(), file)
        columns = "column_name, column_type"
        in_file = query(tmp_path, f"SELECT {columns} FROM (DESCRIBE FROM '{file}')")
        empty = query(tmp_path, f"SELECT {columns} FROM (DESCRIBE raw_{table})")
        assert len(empty) == len(schema) and empty.to_pylist() == in_file.to_pylist()


def test_the_same_content_committed_twice_shows_once(
    tmp_path: Path, records: dict[str, list]
) -> None:
    store = Store(tmp_path / "ds")
    store.commit("run-a", records, run_id="a")
    store.commit("run-b", records, run_id="b")
    for table, rows in records.items():
        view = "raw_runs" if table == "runs" else table
        assert _count(store.root, view) == (2 * len(rows) if table == "runs" else len(rows))
        assert _count(store.root, f"raw_{table}") == 2 * len(rows)
    first = query(store.root, "SELECT DISTINCT run_id FROM candidates")["run_id"].to_pylist()
    assert first == ["a"]  # the first commit of a content id wins


def test_runs_show_latest_state_and_what_each_run_committed(
    tmp_path: Path, records: dict[str, list]
) -> None:
    store = Store(tmp_path / "ds")
    started = Run({"name": "demo"}, "2025-01-02T03:04:05+00:00")
    store.commit("run:start", {"runs": [started]})
    store.commit(
        "gen", {"tasks": records["tasks"], "candidates": records["candidates"]}, run_id=started.id
    )
    other = Task("code", "seed", "other", "not part of the run")
    store.commit("elsewhere", {"tasks": [other]}, run_id="another-run")
    mid = query(store.root, "SELECT state, tasks, candidates, samples FROM runs").to_pylist()
    assert mid == [{"state": "running", "tasks": 1, "candidates": 3, "samples": 0}]
    done = replace(started, state="completed", ended_at="2025-01-02T04:00:00+00:00")
    store.commit("run:end", {"runs": [done]})
    rows = query(store.root, "SELECT id, name, state, ended_at FROM runs").to_pylist()
    assert [(r["id"], r["name"], r["state"]) for r in rows] == [(started.id, "demo", "completed")]
    assert rows[0]["ended_at"].isoformat() == "2025-01-02T04:00:00+00:00"


def test_matrix_recovers_solutions_by_tests_per_task(tmp_path: Path) -> None:
    task = Task("code", "seed", "sq", "square", tests=("t1", "t2", "t3"))
    sols = [
        Candidate(task.id, Role.SOLVER, f"def sq(x): return {body}")
        for body in ("x*x", "x+x", "x**2")
    ]
    tester = Candidate(task.id, Role.TESTER, "assert sq(3) == 9")
    grid = {sols[0].id: "PPP", sols[1].id: "PFF", sols[2].id: "PPF"}
    verdicts = [
        Verdict(
            sid,
            "python",
            Status.PASS if "F" not in marks else Status.FAIL,
            outcomes=tuple(
                Outcome(f"t{j + 1}", Status.PASS if m == "P" else Status.FAIL)
                for j, m in enumerate(marks)
            ),
            against="pool:1",
            task_id=task.id if sid != sols[2].id else "",
        )
        for sid, marks in grid.items()
    ]
    on_reference = Verdict(
        tester.id,
        "python",
        Status.PASS,
        1,
        1,
        (Outcome("assert sq(3) == 9", Status.PASS),),
        against="reference",
    )
    store = Store(tmp_path / "ds")
    store.commit("gen", {"tasks": [task], "candidates": [*sols, tester]})
    store.commit("verify", {"verdicts": [*verdicts, on_reference]})
    rows = query(store.root, "SELECT * FROM matrix ORDER BY solution_id, test_index").to_pylist()
    assert {r["task_id"] for r in rows} == {task.id}  # filled from candidates when unset
    got = {
        sid: "".join("P" if r["passed"] else "F" for r in rows if r["solution_id"] == sid)
        for sid in grid
    }
    assert got == grid and len(rows) == 9
    passing = query(
        store.root, "SELECT solution_id FROM matrix GROUP BY ALL HAVING bool_and(passed)"
    )["solution_id"].to_pylist()
    assert passing == [sols[0].id]


def test_views_read_live_folders_only_and_a_connection_is_a_snapshot(
    tmp_path: Path, records: dict[str, list]
) -> None:
    store = Store(tmp_path / "ds")
    store.commit("one", {"tasks": records["tasks"]})
    stray = store.commits / ".hidden" / "nested"
    stray.mkdir(parents=True)
    shutil.copy(next(store.commits.glob("*/tasks.parquet")), stray / "tasks.parquet")
    other = Task("code", "seed", "two", "second")
    with reading(store.root) as con:
        store.commit("two", {"tasks": [other]})  # published after the reader opened
        names = sorted(r[0] for r in con.execute("SELECT name FROM tasks").fetchall())
        assert names == ["add"]  # the reader reads the folders live when it opened
        assert con.execute("SELECT count(*) FROM raw_tasks").fetchone() == (1,)
    with reading(store.root) as again:
        names = sorted(r[0] for r in again.execute("SELECT name FROM tasks").fetchall())
        assert names == ["add", "two"]
        assert again.execute("SELECT count(*) FROM raw_tasks").fetchone() == (2,)
