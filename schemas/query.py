"""SQL over a dataset: the one way to read it (`reading`), with the views of `views.sql`.

A domain's own views (proof attempts, translation rounds, ...) are not here: schemas knows no
domain. A reader takes them as extra SQL run after `views.sql` (`assay.flows.dataset` passes
every registered domain's).

A reader reads a snapshot taken when it opens: its views read the files of the folders that were
live then (`schemas.snapshot`: published folders minus those a compaction replaced), named one
by one, never a glob, since a glob racing a compaction could read a compacted folder and the
folders it replaces at once, or neither. Commits published after it opened are not seen; open
another reader for them. The snapshot's files are held open while the reader lives
(`schemas.held`), so a compaction removing them meanwhile changes nothing it reads: a query, a
stream of batches, or a long export alike never start over.

Nothing here imports pandas (DuckDB does where a Python object is scanned), so `assay sql`
stays quick: each table's declared shape is written as SQL, not registered as an Arrow table.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from assay.schemas.held import held
from assay.schemas.records import DIFFICULTY_EASY, DIFFICULTY_HARD
from assay.schemas.rows import Record, from_row
from assay.schemas.snapshot import Snapshot
from assay.schemas.tables import TABLES, schema_for

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

VIEWS_SQL = Path(__file__).with_name("views.sql")
VIEWS = (  # the views of views.sql that name no domain
    *TABLES,
    "verdict_history",
    "checked_candidates",
    "matrix",
    "solution_verdicts",
    "pass_rates",
    "preference_pairs",
    "difficulty",
    "curated_samples",
)
_SCALARS = {"string": "VARCHAR", "large_string": "VARCHAR", "bool": "BOOLEAN", "int32": "INTEGER",
            "int64": "BIGINT", "float": "FLOAT", "double": "DOUBLE"}  # fmt: skip


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _sql_type(arrow: pa.DataType) -> str:
    """The DuckDB type DuckDB gives Arrow type `arrow` when it reads it."""
    import pyarrow as pa

    if pa.types.is_list(arrow):
        return _sql_type(arrow.value_type) + "[]"
    if pa.types.is_struct(arrow):
        fields = ", ".join(f"{_ident(f.name)} {_sql_type(f.type)}" for f in arrow)
        return f"STRUCT({fields})"
    if pa.types.is_timestamp(arrow):
        return "TIMESTAMPTZ" if arrow.tz else "TIMESTAMP"
    return _SCALARS[str(arrow)]


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _source(files: list[Path], table: str) -> str:
    """The relation a table's views read: its empty declared shape (so a view keeps its declared
    columns with no file at all), plus its files if any, by name (older files lack newer
    columns: they read as NULL)."""
    columns = ", ".join(f"NULL::{_sql_type(f.type)} AS {_ident(f.name)}" for f in schema_for(table))
    empty = f"(SELECT {columns} LIMIT 0)"
    if not files:
        return empty
    listed = "[" + ", ".join(_literal(str(f)) for f in files) + "]"
    return (
        f"(SELECT * FROM {empty} UNION ALL BY NAME SELECT * FROM read_parquet({listed}, "
        "union_by_name = true, hive_partitioning = false))"
    )


@contextmanager
def reading(root: Path | str, extra: Sequence[str] = ()) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB with the views (tasks, candidates, verdicts, samples, runs, matrix,
    ...) plus those `extra` SQL texts create, over the dataset as it is now, readable until the
    block ends whatever a compaction does meanwhile; closed at the end. Streams of their own
    take `con.cursor()`s (same snapshot)."""
    with held(_commits(root)) as snap:
        con = _connect(snap, extra)
        try:
            yield con
        finally:
            con.close()  # its cursors too: none may read a descriptor once it is closed


def _commits(root: Path | str) -> Path:
    commits = Path(root).absolute() / "commits"
    if any(ch in str(commits) for ch in "*?[]{}"):  # DuckDB would expand them as a glob
        raise ValueError(f"dataset path {commits} has glob characters; move it to a plain path")
    return commits


def view_names(sql: str) -> tuple[str, ...]:
    """The views `sql` creates, in order."""
    return tuple(re.findall(r"^CREATE VIEW (\w+)", sql, flags=re.M | re.I))


def _connect(snap: Snapshot, extra: Sequence[str] = ()) -> duckdb.DuckDBPyConnection:
    import duckdb

    con = duckdb.connect()
    sql = "\n".join([VIEWS_SQL.read_text(), *extra])
    for table in TABLES:
        sql = sql.replace("{" + table + "}", _source(snap.files(table), table))
    for name, value in (("easy", DIFFICULTY_EASY), ("hard", DIFFICULTY_HARD)):
        sql = sql.replace("{difficulty_" + name + "}", f"'{value!r}'::DOUBLE")  # exact
    con.execute(sql)
    return con


def query(root: Path | str, sql: str, extra: Sequence[str] = ()) -> pa.Table:
    """Run `sql` over the dataset's views (and those `extra` creates) as an Arrow table."""
    with reading(root, extra) as con:
        return con.sql(sql).to_arrow_table()


def read_records(root: Path | str, table: str, where: str = "") -> list[Record]:
    """The de-duplicated records of `table` (optionally filtered by a SQL `where`), in id order."""
    schema_for(table)
    clause = f" WHERE {where}" if where else ""
    rows = query(root, f"SELECT * FROM {table}{clause} ORDER BY id").to_pylist()
    return [from_row(table, row) for row in rows]
