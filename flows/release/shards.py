"""Hub-layout Parquet shards of one config, streamed from DuckDB in batches.

The layout is planned before a row is written (rows and an estimate of their uncompressed bytes
give the shard count and equal rows per shard; the average row gives rows per row group), and
rows come in a fixed order and are cut at fixed row counts, so the same data always makes the
same files, byte for byte, whatever sizes the batches DuckDB hands over."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from assay.schemas.tables import CURATION, SAMPLES

if TYPE_CHECKING:
    import duckdb

_CURATED = ("difficulty", "pass_rate", "attempts", "passes")  # from the curation pass
SCHEMA = pa.schema(  # a sample's columns, its curation facts, and the run that made it
    [SAMPLES.field(n) for n in SAMPLES.names if n not in ("run_id", "committed_at")]
    + [CURATION.field(n) for n in _CURATED]
    + [SAMPLES.field("run_id")],
    metadata={"assay.export_version": "1"},
)
COLUMNS = ", ".join(SCHEMA.names)
# What a row weighs uncompressed, near enough to size shards: its text plus fixed overhead.
ROW_BYTES = (
    "strlen(coalesce(prompt, '')) + strlen(coalesce(response, '')) + 256 + "
    "coalesce(list_sum(list_transform(tests, lambda t: strlen(t) + 8)), 0) + "
    "40 * coalesce(len(verdict_ids), 0)"
)
WRITER = {  # fixed, so a re-export writes the same bytes
    "compression": "zstd",
    "compression_level": 3,
    "use_dictionary": True,
    "write_statistics": True,
    "version": "2.6",
    "data_page_version": "1.0",
}


@dataclass(frozen=True)
class Layout:
    rows: int
    shards: int
    shard_rows: int
    group_rows: int


def plan(rows: int, nbytes: int, max_shard_bytes: int, max_group_bytes: int) -> Layout:
    """Equal shards under `max_shard_bytes`, row groups under `max_group_bytes`."""
    shards = max(1, math.ceil(nbytes / max_shard_bytes))
    shard_rows = max(1, math.ceil(rows / shards))
    per_row = max(1, nbytes // max(rows, 1))
    group_rows = max(1, min(shard_rows, max_group_bytes // per_row))
    return Layout(rows, max(1, math.ceil(rows / shard_rows)), shard_rows, group_rows)


def _groups(reader: pa.RecordBatchReader, layout: Layout) -> Iterator[tuple[int, pa.Table]]:
    """(shard index, one row group's rows), cut at fixed row counts."""
    buf: list[pa.RecordBatch] = []
    have = shard = in_shard = 0
    for batch in reader:
        start = 0
        while start < batch.num_rows:
            room = min(layout.group_rows, layout.shard_rows - in_shard)
            take = min(room - have, batch.num_rows - start)
            buf.append(batch.slice(start, take))
            have, start = have + take, start + take
            if have == room:
                yield shard, pa.Table.from_batches(buf)
                in_shard, buf, have = in_shard + have, [], 0
                if in_shard == layout.shard_rows:
                    shard, in_shard = shard + 1, 0
    if have:
        yield shard, pa.Table.from_batches(buf)


def shard_name(split: str, index: int, shards: int) -> str:
    return f"{split}-{index:05d}-of-{shards:05d}.parquet"


def write_config(
    con: duckdb.DuckDBPyConnection, relation: str, layout: Layout, folder: Path, split: str
) -> list[Path]:
    """Write `relation`'s rows (ordered by id) as `layout` says into `folder`; return the files."""
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    reader = con.sql(f"SELECT {COLUMNS} FROM {relation} ORDER BY id, task_id").to_arrow_reader(8192)
    files: list[Path] = []
    writer: pq.ParquetWriter | None = None
    try:
        for index, group in _groups(reader, layout):
            if index == len(files):
                if writer is not None:
                    writer.close()
                files.append(folder / shard_name(split, index, layout.shards))
                writer = pq.ParquetWriter(files[-1], SCHEMA, **WRITER)  # type: ignore[arg-type]
            assert writer is not None
            writer.write_table(group.cast(SCHEMA), row_group_size=group.num_rows)
    finally:
        if writer is not None:
            writer.close()
    if len(files) != layout.shards:
        raise RuntimeError(f"planned {layout.shards} shards, wrote {len(files)}")
    return files
