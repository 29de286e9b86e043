"""Dataset compaction: many small commit folders rewritten as a few large ones, atomically.

A run publishes one folder per batch of commits (thousands of folders for a large run, each a
few small Parquet files), and a query pays for every file it opens. Compaction streams the rows
of many small folders into one folder per `target_bytes` of input, one zstd Parquet file per
table with row groups of about `row_group_bytes` (uncompressed, estimated per row from the
inputs' footers), holding at most one row group of one table in memory.

A compacted folder is published like a commit: staged outside the dataset, flushed, renamed
into `commits/` in one step. Its manifest lists every key of the folders it replaces (so
`Store.has` and `Store.keys` answer as before) and names them in `replaces`; readers leave
replaced folders out (`schemas.snapshot`), so nothing is read twice once it is published and
nothing is lost before. Only then are the replaced folders removed; a kill before that leaves
them, already out of every reader's view, for the next `Store` or compaction to remove. One
compaction at a time per dataset (an fcntl lock on `<root>/compact.lock`); it takes only the
folders live when it started, so a run may go on committing meanwhile. Rows are copied exactly
(repeats, `run_id` and `committed_at` included), though not in their old order.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assay.schemas.disk import flush, remove
from assay.schemas.snapshot import COMPACTED, MANIFEST, REPLACES, Snapshot, snapshot
from assay.schemas.store import Store, key_dir

TARGET_BYTES = 1 << 30  # input bytes per compacted folder; folders past half of it are left be
ROW_GROUP_BYTES = 100_000_000
LOCK = "compact.lock"


class CompactionBusy(RuntimeError):
    """Another compaction of the same dataset is running."""


@dataclass(frozen=True)
class CompactReport:
    """Live folders, their Parquet files and bytes before and after, and what was written."""

    folders_before: int
    folders_after: int
    files_before: int
    files_after: int
    bytes_before: int
    bytes_after: int
    written: tuple[str, ...]  # the compacted folders published
    replaced: int  # the folders they replaced
    seconds: float


@dataclass(frozen=True)
class _Folder:
    name: str
    manifest: dict[str, Any]
    files: dict[str, Any]  # table -> its file's pyarrow.parquet.FileMetaData
    size: int  # bytes of its Parquet files


def compact(
    root: Path | str,
    *,
    target_bytes: int = TARGET_BYTES,
    row_group_bytes: int = ROW_GROUP_BYTES,
) -> CompactReport:
    """Rewrite the small live folders of the dataset at `root` into few large ones (a no-op
    when there are not two small folders to merge); raises `CompactionBusy` if another
    compaction of it is running."""
    started = time.monotonic()
    root = Path(root).absolute()
    if not (root / "commits").is_dir():
        raise FileNotFoundError(f"{root} is not a dataset (no commits/ folder in it)")
    with _locked(root / LOCK):
        store = Store(root)  # removes what a killed writer or compaction left behind
        snap = snapshot(store.commits)
        if snap.replaced:  # a leftover must go before the folder replacing it is compacted
            raise RuntimeError(f"could not remove replaced folders {snap.replaced[:3]}...")
        (folders, files, size), written, replaced = _stats(snap), [], 0
        for group in _plan(snap, target_bytes):
            written.append(_write(store, group, row_group_bytes))
            replaced += len(group)
        folders_after, files_after, size_after = _stats(snapshot(store.commits))
    return CompactReport(
        folders, folders_after, files, files_after, size, size_after, tuple(written), replaced,
        time.monotonic() - started,
    )  # fmt: skip


def compact_if_worthwhile(root: Path | str, *, min_folders: int = 64) -> CompactReport | None:
    """Compact when at least `min_folders` live folders are not compacted yet (meant for the
    end of a run: one folder listing when not worth it); None when not worth it or when
    another compaction is already running."""
    snap = snapshot(Path(root).absolute() / "commits")
    if sum(not name.startswith(COMPACTED) for name in snap.folders) < min_folders:
        return None
    try:
        return compact(root)
    except CompactionBusy:
        return None


def _step(name: str) -> None:
    """A point where a test stops a compaction: `staged`, `published`, `removed`."""


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise CompactionBusy(
            f"another compaction of {path.parent} is running (it holds {path}); "
            "wait for it to end: a second one would find nothing left to do"
        ) from None
    try:
        yield
    finally:
        os.close(fd)


def _stats(snap: Snapshot) -> tuple[int, int, int]:
    files = [snap.commits / n / f"{t}.parquet" for n, ts in snap.folders.items() for t in ts]
    return len(snap.folders), len(files), sum(f.stat().st_size for f in files)


def _plan(snap: Snapshot, target_bytes: int) -> list[list[_Folder]]:
    """The small folders in commit order, cut into groups of about `target_bytes` whose files
    of each table share one schema (so rows are copied as they are, never cast)."""
    import pyarrow.parquet as pq

    folders = []
    for name, tables in snap.folders.items():
        paths = {t: snap.commits / name / f"{t}.parquet" for t in tables}
        size = sum(p.stat().st_size for p in paths.values())
        if size < target_bytes // 2:
            manifest = json.loads((snap.commits / name / MANIFEST).read_text())
            metas = {t: pq.ParquetFile(p).metadata for t, p in paths.items()}
            folders.append(_Folder(name, manifest, metas, size))
    folders.sort(key=lambda f: (f.manifest.get("committed_at", ""), f.name))
    groups: list[list[_Folder]] = [[]]
    size, schemas = 0, dict[str, Any]()
    for f in folders:
        mine = {t: m.schema.to_arrow_schema() for t, m in f.files.items()}
        clash = any(t in schemas and not schemas[t].equals(s, True) for t, s in mine.items())
        if groups[-1] and (clash or size + f.size > target_bytes):
            groups.append([])
            size, schemas = 0, {}
        groups[-1].append(f)
        size += f.size
        schemas = mine | schemas
    return [g for g in groups if len(g) > 1]


def _write(store: Store, group: list[_Folder], row_group_bytes: int) -> str:
    """Publish one compacted folder in place of `group`, then remove the group; its name."""
    names = [f.name for f in group]
    target = COMPACTED + key_dir("\n".join(sorted(names)))
    first = group[0].manifest
    with store.staged() as data:
        counts = {}
        for table in sorted({t for f in group for t in f.files}):
            parts = [(store.commits / f.name / f"{table}.parquet", f.files[table]) for f in group
                     if table in f.files]  # fmt: skip
            counts[table] = _merge(data / f"{table}.parquet", parts, row_group_bytes)
        manifest = {
            "key": first["key"],
            "keys": [k for f in group for k in f.manifest.get("keys") or [f.manifest["key"]]],
            "schema_version": first.get("schema_version", ""),
            "committed_at": min(f.manifest.get("committed_at", "") for f in group),
            "compacted_at": datetime.now(UTC).isoformat(),
            "run_id": first["run_id"] if len({f.manifest["run_id"] for f in group}) == 1 else "",
            "tables": counts,
            "replaces": names,
        }
        (data / REPLACES).write_text(json.dumps({"replaces": names, "tables": counts}))
        (data / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
        flush([*data.iterdir(), data])
        _step("staged")
        store._publish(data, store.commits / target)  # False: the same folder is already there
    _step("published")
    remove(store.commits, store.staging, names)
    _step("removed")
    return target


def _merge(path: Path, parts: list[tuple[Path, Any]], row_group_bytes: int) -> int:
    """Stream the rows of `parts` into one file at `path`, row group by row group; its rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pq.read_schema(parts[0][0])
    rows = sum(meta.num_rows for _, meta in parts)
    raw = sum(m.row_group(i).total_byte_size for _, m in parts for i in range(m.num_row_groups))
    per_group = max(1, row_group_bytes * max(rows, 1) // max(raw, 1))
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        pending: list[pa.RecordBatch] = []
        held = 0
        for source, _ in parts:
            for batch in pq.ParquetFile(source).iter_batches(batch_size=min(per_group, 65536)):
                pending.append(batch)
                held += batch.num_rows
                while held >= per_group:
                    table = pa.Table.from_batches(pending, schema)
                    writer.write_table(table.slice(0, per_group), row_group_size=per_group)
                    rest = table.slice(per_group)
                    pending, held = rest.to_batches(), rest.num_rows
        if held:
            writer.write_table(pa.Table.from_batches(pending, schema), row_group_size=per_group)
    return rows
