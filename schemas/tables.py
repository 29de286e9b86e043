"""The Arrow schema of every dataset table, declared once and versioned.

Parquet files are always written with these schemas, never with one inferred from the first row,
so an empty string list and a missing column cannot drift between commits. Bump `SCHEMA_VERSION`
when a column changes meaning; adding a nullable column keeps old files readable (the DuckDB views
read with `union_by_name`).
"""

from __future__ import annotations

import pyarrow as pa

SCHEMA_VERSION = "3"  # 2: verdict tier/version/config hash, sample level/formal; 3: curation

_STR = pa.string()
_TIME = pa.timestamp("us", tz="UTC")
_OUTCOME = pa.struct([("name", _STR), ("status", _STR), ("detail", _STR)])


def _table(name: str, fields: list[tuple[str, pa.DataType]]) -> pa.Schema:
    """Columns plus the two every table has: who wrote the row and when it was committed."""
    columns = [pa.field(n, t, nullable=n != "id") for n, t in fields]
    columns += [pa.field("run_id", _STR), pa.field("committed_at", _TIME)]
    meta = {"assay.schema_version": SCHEMA_VERSION, "assay.table": name}
    return pa.schema(columns, metadata=meta)


TASKS = _table(
    "tasks",
    [
        ("id", _STR),
        ("domain", _STR),
        ("source", _STR),
        ("name", _STR),
        ("prompt", _STR),
        ("entry_point", _STR),
        ("reference", _STR),
        ("tests", pa.list_(_STR)),
        ("setup", _STR),
        ("meta", _STR),  # JSON object
    ],
)

CANDIDATES = _table(
    "candidates",
    [
        ("id", _STR),
        ("task_id", _STR),
        ("role", _STR),  # a `Role` value
        ("model", _STR),
        ("sampling", _STR),  # JSON object: temperature, top_p, max_tokens, seed, ...
        ("round", pa.int32()),
        ("parent_id", _STR),
        ("text", _STR),
        ("raw", _STR),
        ("wave", pa.int32()),  # the dart wave that sampled it (nullable: older files read NULL)
    ],
)

VERDICTS = _table(
    "verdicts",
    [
        ("id", _STR),
        ("task_id", _STR),
        ("candidate_id", _STR),
        ("verifier", _STR),
        ("status", _STR),  # a `Status` value; anything else is refused on write
        ("tests_passed", pa.int32()),
        ("tests_total", pa.int32()),
        ("outcomes", pa.list_(_OUTCOME)),
        ("stderr_tail", _STR),
        ("duration_s", pa.float64()),
        ("isolation", _STR),
        ("evidence", _STR),  # JSON object
        ("against", _STR),  # a test candidate id, "reference", a pool id
        ("tier", _STR),  # a `records.TIERS` value: how deep the check went
        ("verifier_version", pa.int32()),
        ("config_hash", _STR),  # the verifier's options and limits
    ],
)

SAMPLES = _table(
    "samples",
    [
        ("id", _STR),
        ("task_id", _STR),
        ("candidate_id", _STR),
        ("domain", _STR),
        ("prompt", _STR),
        ("response", _STR),
        ("tests", pa.list_(_STR)),
        ("strategy", _STR),
        ("score", pa.float64()),
        ("verdict_ids", pa.list_(_STR)),
        ("level", _STR),  # a `records.Level` value: how it was verified
        ("formal", _STR),  # proved, inconclusive, not_run; "" where the domain has no formal tier
    ],
)

CURATION = _table(
    "curation",
    [
        ("id", _STR),
        ("pass_id", _STR),
        ("sample_id", _STR),
        ("task_id", _STR),
        ("domain", _STR),
        ("decision", _STR),  # a `records.Decision` value
        ("reason", _STR),
        ("matched", _STR),
        ("similarity", pa.float64()),
        ("difficulty", _STR),
        ("pass_rate", pa.float64()),
        ("attempts", pa.int64()),
        ("passes", pa.int64()),
        ("pass_config", _STR),  # JSON object
        ("same_prompt_as", _STR),  # a task with the same or a near-duplicate prompt (nullable)
    ],
)

RUNS = _table(
    "runs",
    [
        ("id", _STR),
        ("name", _STR),  # config["name"], when the config has one
        ("state", _STR),  # running, completed, failed
        ("started_at", _TIME),
        ("ended_at", _TIME),
        ("config", _STR),  # JSON object: the resolved run config
        ("versions", _STR),  # JSON object
        ("counts", _STR),  # JSON object, as the run reported them
    ],
)

SCHEMAS: dict[str, pa.Schema] = {
    s.metadata[b"assay.table"].decode(): s
    for s in (TASKS, CANDIDATES, VERDICTS, SAMPLES, RUNS, CURATION)
}
TABLES: tuple[str, ...] = tuple(SCHEMAS)


def schema_for(table: str) -> pa.Schema:
    """The declared schema of `table`; an unknown name lists the known ones."""
    try:
        return SCHEMAS[table]
    except KeyError:
        raise KeyError(f"unknown table {table!r}; the dataset has {', '.join(TABLES)}") from None


def to_arrow(table: str, rows: list[dict]) -> pa.Table:
    """Rows as an Arrow table with the declared schema (types are checked, never inferred)."""
    return pa.Table.from_pylist(rows, schema=schema_for(table))
