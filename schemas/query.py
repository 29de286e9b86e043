"""SQL over a dataset: a DuckDB connection with the views of `views.sql`, and one-shot queries.

A connection is a snapshot taken at `connect`: its views read the files of the folders that were
live then (`schemas.snapshot`: published folders minus those a compaction replaced), named one
by one, never a glob, since a glob racing a compaction could read a compacted folder and the
folders it replaces at once, or neither. Commits published after `connect` are not seen; connect
again for them. A connection held across a compaction can fail to read a replaced folder the
compaction deleted: `query` (one connection per call) takes a fresh snapshot and tries again.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from assay.schemas.records import DIFFICULTY_EASY, DIFFICULTY_HARD
from assay.schemas.rows import Record, from_row
from assay.schemas.snapshot import Snapshot, snapshot
from assay.schemas.tables import TABLES, schema_for

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

VIEWS_SQL = Path(__file__).with_name("views.sql")
_RETRIES = 3  # fresh snapshots a query tries when a compaction removed files under it
VIEWS = (
    *TABLES,
    "verdict_history",
    "matrix",
    "solution_verdicts",
    "pass_rates",
    "preference_pairs",
    "proof_attempts",
    "proof_pass_rates",
    "conjectures",
    "translation_tests",
    "translation_attempts",
    "translation_rounds",
    "difficulty",
    "curated_samples",
)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _source(con: duckdb.DuckDBPyConnection, files: list[Path], table: str) -> str:
    """The relation a table's views read: its empty declared shape (so a view keeps its declared
    columns with no file at all), plus its files if any, by name (older files lack newer
    columns: they read as NULL)."""
    import pyarrow as pa

    empty = pa.Table.from_pylist([], schema=schema_for(table))
    con.register("_shape", empty)
    con.execute(f"CREATE TEMP TABLE _empty_{table} AS SELECT * FROM _shape")
    con.unregister("_shape")
    if not files:
        return f"_empty_{table}"
    listed = "[" + ", ".join(_literal(str(f)) for f in files) + "]"
    return (
        f"(SELECT * FROM _empty_{table} UNION ALL BY NAME SELECT * FROM read_parquet({listed}, "
        "union_by_name = true, hive_partitioning = false))"
    )


def connect(root: Path | str) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with views tasks, candidates, verdicts, samples, runs and matrix over
    the dataset as it is now (a snapshot: see the module docstring)."""
    return _connect(snapshot(_commits(root)))


def _commits(root: Path | str) -> Path:
    commits = Path(root).absolute() / "commits"
    if any(ch in str(commits) for ch in "*?[]{}"):  # DuckDB would expand them as a glob
        raise ValueError(f"dataset path {commits} has glob characters; move it to a plain path")
    return commits


def _connect(snap: Snapshot) -> duckdb.DuckDBPyConnection:
    import duckdb

    con = duckdb.connect()
    sql = VIEWS_SQL.read_text()
    for table in TABLES:
        sql = sql.replace("{" + table + "}", _source(con, snap.files(table), table))
    for name, value in (("easy", DIFFICULTY_EASY), ("hard", DIFFICULTY_HARD)):
        sql = sql.replace("{difficulty_" + name + "}", f"'{value!r}'::DOUBLE")  # exact
    con.execute(sql)
    return con


def query(root: Path | str, sql: str) -> pa.Table:
    """Run `sql` over the dataset's views and return the result as an Arrow table. If a file of
    the snapshot is gone when read (a compaction replaced and removed its folder), the query
    runs again on a fresh snapshot."""
    import duckdb

    commits = _commits(root)
    snap = snapshot(commits)
    for attempt in range(_RETRIES + 1):
        con = _connect(snap)
        try:
            return con.sql(sql).to_arrow_table()
        except duckdb.IOException:
            again = snapshot(commits)
            if attempt == _RETRIES or again.folders == snap.folders:
                raise  # not a compaction under us: a real read error
            snap = again
        finally:
            con.close()
    raise AssertionError("unreachable")


def read_records(root: Path | str, table: str, where: str = "") -> list[Record]:
    """The de-duplicated records of `table` (optionally filtered by a SQL `where`), in id order."""
    schema_for(table)
    clause = f" WHERE {where}" if where else ""
    rows = query(root, f"SELECT * FROM {table}{clause} ORDER BY id").to_pylist()
    return [from_row(table, row) for row in rows]
