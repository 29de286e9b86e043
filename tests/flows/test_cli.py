"""The `assay` command line as a user runs it: verify, sql, status, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from assay.schemas.records import Candidate, Role, Task
from assay.schemas.store import Store


def _assay(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "assay.flows", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
    )


def test_verify_python_writes_one_verdict_per_line(tmp_path: Path) -> None:
    lines = [
        {
            "id": "good",
            "code": "def inc(x):\n    return x + 1\n",
            "tests": ["assert inc(1) == 2"],
            "entry_point": "inc",
            "extra": "kept",
        },
        {"id": "wrong", "code": "def inc(x):\n    return x\n", "tests": ["assert inc(1) == 2"]},
        {"id": "exit", "code": "import os\nos._exit(0)\n", "tests": ["assert inc(1) == 2"]},
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(line) + "\n" for line in lines))
    out = tmp_path / "out.jsonl"
    result = _assay("verify", "python", "--input", str(src), "--output", str(out))
    assert result.returncode == 0, result.stderr
    got = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(g["id"], g["status"]) for g in got] == [
        ("good", "pass"),
        ("wrong", "fail"),
        ("exit", "error"),
    ]
    assert got[0]["tests_passed"] == 1 and got[0]["tests_total"] == 1
    assert got[0]["isolation"]


def test_verify_python_bad_line_names_file_line_and_field(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps({"id": "a", "code": "x = 1", "tests": ["assert x == 1"]})
        + "\n"
        + json.dumps({"id": "b", "tests": ["assert True"]})
        + "\n"
    )
    out = tmp_path / "out.jsonl"
    result = _assay("verify", "python", "--input", str(src), "--output", str(out))
    assert result.returncode != 0
    assert f"{src}:2" in result.stderr and "code" in result.stderr
    assert not out.exists()


def test_sql_and_status_over_a_dataset(tmp_path: Path) -> None:
    dataset = tmp_path / "ds"
    task = Task("code", "seed", "inc", "def inc(x):\n", "inc")
    cand = Candidate(task.id, Role.SOLVER, "def inc(x):\n    return x + 1\n")
    Store(dataset).commit("k", {"tasks": [task], "candidates": [cand]}, run_id="r1")
    table = _assay("sql", "SELECT name FROM tasks", "--dataset", str(dataset))
    assert table.returncode == 0 and "inc" in table.stdout
    as_json = _assay(
        "sql",
        "SELECT role, count(*) AS n FROM candidates GROUP BY role",
        "-d",
        str(dataset),
        "--format",
        "json",
    )
    assert json.loads(as_json.stdout) == {"role": "solver", "n": 1}
    as_csv = _assay("sql", "SELECT name FROM tasks", "-d", str(dataset), "-f", "csv")
    assert as_csv.stdout.splitlines() == ["name", "inc"]
    bad = _assay("sql", "SELECT nope FROM tasks", "-d", str(dataset))
    assert bad.returncode != 0 and "query failed" in bad.stderr
    status = _assay("status", "-d", str(dataset))
    assert status.returncode == 0 and "run" in status.stdout


def test_sql_csv_ends_lines_with_a_newline_alone(tmp_path: Path) -> None:
    """As DuckDB's CLI does: `tail -n1`, `cut` and `[ "$n" -ge 1 ]` see no stray carriage return."""
    dataset = tmp_path / "ds"
    tasks = [Task("code", "seed", name, f"def {name}(x):\n", name) for name in ("inc", "dec")]
    Store(dataset).commit("k", {"tasks": tasks})
    sql = "SELECT name, 'a,b' AS quoted FROM tasks ORDER BY name"
    done = subprocess.run([sys.executable, "-m", "assay.flows", "sql", sql, "-d", str(dataset),
                           "-f", "csv"], capture_output=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout == b'name,quoted\ndec,"a,b"\ninc,"a,b"\n'


_LOADED = """
import json, sys
out, sys.argv = sys.argv[1], ["assay", *sys.argv[2:]]
try:
    from assay.flows.cli import main
    main()
finally:
    with open(out, "w") as f:
        json.dump(sorted(sys.modules), f)
"""


def test_sql_imports_no_dataframe_cluster_or_config_library(tmp_path: Path) -> None:
    """`assay sql` loads what a query needs: pandas, Ray, Prefect and the run config's models
    cost seconds of start-up (the speed is bench/sql_latency.py's; this is what it loads)."""
    dataset = tmp_path / "ds"
    Store(dataset).commit("k", {"tasks": [Task("code", "seed", "inc", "def inc(x):\n", "inc")]})
    loaded = tmp_path / "modules.json"
    for fmt in ("table", "csv", "json"):
        done = subprocess.run([sys.executable, "-c", _LOADED, str(loaded), "sql",
                               "SELECT count(*) AS n FROM samples JOIN tasks ON true", "-d",
                               str(dataset), "-f", fmt], capture_output=True, text=True,
                              timeout=300)  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "0" in done.stdout
        modules = set(json.loads(loaded.read_text()))
        assert {"duckdb", "typer", "assay.flows.cli"} <= modules  # it ran the query, by the CLI
        heavy = modules & {"pandas", "ray", "prefect", "yaml", "assay.flows.config"}
        assert not heavy, (fmt, heavy)


def test_run_records_share_the_run_id_their_rows_carry(tmp_path: Path) -> None:
    """`assay status` counts a run's rows by the id its run record has."""
    from assay.flows.config import load_config
    from assay.flows.state import RunState

    config = load_config(None, [f"dataset={tmp_path / 'ds'}"])
    state = RunState.open(config)
    state.start()
    state.finish()
    runs = _assay(
        "sql", "SELECT id, state, tasks FROM runs", "-d", str(tmp_path / "ds"), "-f", "json"
    )
    assert runs.returncode == 0, runs.stderr
    row = json.loads(runs.stdout)
    assert row == {"id": config.id, "state": "completed", "tasks": state.count}


def test_verify_lean_without_a_project_says_unsupported_and_still_catches_sorry(
    tmp_path: Path,
) -> None:
    lines = [
        {"id": 1, "statement": "theorem t : 1 + 1 = 2 := by sorry", "proof": "by norm_num"},
        {"id": 2, "statement": "theorem t : 1 + 1 = 2 := by sorry", "proof": "by sorry"},
    ]
    path = tmp_path / "proofs.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    done = subprocess.run(
        [sys.executable, "-m", "assay.flows", "verify", "lean", "-i", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    got = [json.loads(line) for line in done.stdout.splitlines()]
    assert [g["status"] for g in got] == ["unsupported", "cheat"]
    assert "--project" in got[0]["evidence"]["reason"]
    nowhere = str(tmp_path / "nowhere")
    missing = subprocess.run(
        [
            sys.executable,
            "-m",
            "assay.flows",
            "verify",
            "lean",
            "-i",
            str(path),
            "--project",
            nowhere,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.returncode == 2 and "--project" in missing.stderr
