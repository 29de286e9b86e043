"""A run's committed rows read back family by family, in bounded memory.

A family is a root task (one the run's programs start from) with the tasks its program adds
(a proofs seed's conjectures name it in `meta.seed_task`). A resumed run keeps in memory only
the families still to finish; the others are tallied for the summary as they stream past and
dropped, so resuming a run of millions of tasks does not load millions of tasks' rows.

The three tables stream from one reader (`flows.dataset.reading`, a cursor each): one snapshot,
its files held open to the last family, so a compaction meanwhile (`assay compact`, or another
run's end) neither fails the stream nor makes it start over and yield a family twice.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assay.flows.dataset import reading
from assay.schemas.rows import from_row

if TYPE_CHECKING:
    import duckdb

TABLES = ("candidates", "verdicts", "samples")
BATCH_ROWS = 4096  # rows per Arrow batch fetched from DuckDB


def _sql(table: str, run_id: str) -> str:
    run = run_id.replace("'", "''")
    return f"""
        WITH roots AS (
            SELECT id AS task_id, coalesce(json_extract_string(meta, '$.seed_task'), id) AS root
            FROM raw_tasks WHERE run_id = '{run}'
            QUALIFY row_number() OVER (PARTITION BY id ORDER BY committed_at) = 1
        )
        SELECT coalesce(r.root, x.task_id) AS _root, x.*
        FROM raw_{table} x LEFT JOIN roots r ON r.task_id = x.task_id
        WHERE x.run_id = '{run}'
        QUALIFY row_number() OVER (PARTITION BY x.id ORDER BY x.committed_at) = 1
        ORDER BY _root, x.task_id, x.id
    """


def _roots_sql(run_id: str) -> str:
    """The run's task rows of the tasks with rows of their own (each read back as first
    committed), by id: a family's root task is among them, so a resumed run need not hold its
    task list to know what each family is."""
    run = run_id.replace("'", "''")
    worked = " UNION ".join(f"SELECT task_id FROM raw_{t} WHERE run_id = '{run}'" for t in TABLES)
    return f"""
        SELECT id AS _root, * FROM raw_tasks
        WHERE run_id = '{run}' AND id IN ({worked})
        QUALIFY row_number() OVER (PARTITION BY id ORDER BY committed_at) = 1
        ORDER BY id
    """


def _groups(
    con: duckdb.DuckDBPyConnection, table: str, sql: str
) -> Generator[tuple[str, list[Any]]]:
    """(root id, records) of one table, a family at a time, in root order; `con` is closed at
    the end."""
    try:
        reader = con.sql(sql).to_arrow_reader(BATCH_ROWS)
        current: str | None = None
        records: list[Any] = []
        for batch in reader:
            for row in batch.to_pylist():
                family = row.pop("_root")
                if family != current and current is not None:
                    yield current, records
                    records = []
                current = family
                records.append(from_row(table, row))
        if current is not None:
            yield current, records
    finally:
        con.close()


def families(root: Path, run_id: str) -> Iterator[tuple[str, dict[str, list[Any]]]]:
    """(root task id, {table: records}) for every family with rows in run `run_id`, one at a
    time: the three tables' sorted streams merged by root id; `tasks` holds the root's task
    as the run committed it (none where the run has no such task)."""
    with reading(root) as con:
        streams = {t: _groups(con.cursor(), t, _sql(t, run_id)) for t in TABLES}
        roots = _groups(con.cursor(), "tasks", _roots_sql(run_id))
        try:
            heads = {t: next(s, None) for t, s in streams.items()}
            task = next(roots, None)
            while any(h is not None for h in heads.values()):
                family = min(h[0] for h in heads.values() if h is not None)
                out: dict[str, list[Any]] = {t: [] for t in (*TABLES, "tasks")}
                for table, head in heads.items():
                    if head is not None and head[0] == family:
                        out[table] = head[1]
                        heads[table] = next(streams[table], None)
                while task is not None and task[0] < family:  # a task of no family's root
                    task = next(roots, None)
                if task is not None and task[0] == family:
                    out["tasks"] = task[1]
                yield family, out
        finally:
            for stream in (*streams.values(), roots):
                stream.close()
