"""One commit too large to hold: its records arrive in batches, each written on as a Parquet row
group, and the commit is published whole when the last has come, or not at all.

`Store.write` wants every row of a commit in memory at once; a curation pass over a million
samples decides them a problem at a time, so its one commit is written the same way. The folder
is staged, fsynced and renamed into place exactly as `Store.write_many` does (see `schemas.store`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from assay.schemas.disk import flush
from assay.schemas.rows import Record
from assay.schemas.store import MANIFEST, Store, key_dir
from assay.schemas.tables import schema_for


class Sink:
    """Where the batches of a streamed commit go (see `streamed_commit`)."""

    def __init__(self, store: Store, key: str, table: str, run_id: str, writer: Any) -> None:
        self.store, self.key, self.table, self.run_id = store, key, table, run_id
        self.writer = writer
        self.now = datetime.now(UTC)  # one commit time for every batch: one commit
        self.rows = 0
        self.manifest: dict[str, Any] = {}
        self.published = False

    def write(self, records: Sequence[Record]) -> None:
        """Check, convert and write one batch (a bad record raises; nothing is published)."""
        if not records:
            return
        tables = {self.table: records}
        prepared = self.store.prepare(self.key, tables, run_id=self.run_id, now=self.now)
        self.manifest = self.manifest or prepared.manifest
        self.writer.write_table(Store._arrow([prepared])[self.table])
        self.rows += len(records)


@contextmanager
def streamed_commit(store: Store, key: str, table: str, *, run_id: str = "") -> Iterator[Sink]:
    """A commit of `table` under `key` written batch by batch (`Sink.write`), published when the
    block ends without error if it has rows and `key` is not published yet (`Sink.published`
    says whether it was). An error in the block leaves nothing in the dataset."""
    import pyarrow.parquet as pq

    with store.staged() as data:
        path = data / f"{table}.parquet"
        with pq.ParquetWriter(path, schema_for(table), compression="zstd") as writer:
            sink = Sink(store, key, table, run_id, writer)
            yield sink
        if not sink.rows:
            return
        store.index.refresh()
        if store.has(key):
            return
        manifest = {**sink.manifest, "tables": {table: sink.rows}}
        (data / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
        flush([*data.iterdir(), data])
        if store._publish(data, store.commits / key_dir(key)):
            store.index.add(key_dir(key), [key])
            sink.published = True
