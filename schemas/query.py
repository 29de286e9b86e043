"""SQL over a dataset: a DuckDB connection with the views of `views.sql`, and one-shot queries.

The views glob the commit folders at query time, so a connection sees commits published after it
opened; a table with no file at all when `connect` ran stays empty on that connection until the
next `connect` (DuckDB refuses a glob that matches nothing, so it is bound to its empty shape).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from assay.schemas.rows import Record, from_row
from assay.schemas.tables import TABLES, schema_for

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

VIEWS_SQL = Path(__file__).with_name("views.sql")
VIEWS = (
    *TABLES,
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
)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _source(con: duckdb.DuckDBPyConnection, commits: Path, table: str) -> str:
    """The relation a table's views read: its empty declared shape, plus its files if any."""
    import pyarrow as pa

    empty = pa.Table.from_pylist([], schema=schema_for(table))
    con.register("_shape", empty)
    con.execute(f"CREATE TEMP TABLE _empty_{table} AS SELECT * FROM _shape")
    con.unregister("_shape")
    if not any(commits.glob(f"*/{table}.parquet")):
        return f"_empty_{table}"
    files = _literal(f"{commits}/*/{table}.parquet")
    return (
        f"(SELECT * FROM _empty_{table} UNION ALL BY NAME SELECT * FROM read_parquet({files}, "
        "union_by_name = true, hive_partitioning = false))"
    )


def connect(root: Path | str) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with views tasks, candidates, verdicts, samples, runs and matrix."""
    import duckdb

    commits = Path(root).absolute() / "commits"
    if any(ch in str(commits) for ch in "*?[]{}"):
        raise ValueError(f"dataset path {commits} has glob characters; move it to a plain path")
    con = duckdb.connect()
    sql = VIEWS_SQL.read_text()
    for table in TABLES:
        sql = sql.replace("{" + table + "}", _source(con, commits, table))
    con.execute(sql)
    return con


def query(root: Path | str, sql: str) -> pa.Table:
    """Run `sql` over the dataset's views and return the result as an Arrow table."""
    con = connect(root)
    try:
        return con.sql(sql).to_arrow_table()
    finally:
        con.close()


def read_records(root: Path | str, table: str, where: str = "") -> list[Record]:
    """The de-duplicated records of `table` (optionally filtered by a SQL `where`), in id order."""
    schema_for(table)
    clause = f" WHERE {where}" if where else ""
    rows = query(root, f"SELECT * FROM {table}{clause} ORDER BY id").to_pylist()
    return [from_row(table, row) for row in rows]
