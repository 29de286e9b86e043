"""The dataset store: every stage's output lands as one atomic, idempotent commit.

Layout under `root`:  `commits/<sha256(key)[:32]>/{manifest.json, <table>.parquet...}`, one
folder per commit key, or per batch of keys written together (`write_many`: the folder is named
by the hash of its keys, the manifest lists them, each table is one file of all their rows).
A folder is written in full under a sibling staging folder (`.<root name>.staging/`, outside the
dataset so no reader ever globs a half-written file), fsynced, then published with one directory
rename. A key that is already published is left out, and two processes racing on the same
commit end with one copy: the loser's rename meets a non-empty folder and fails. That is how a
killed run resumes with nothing lost and nothing duplicated. Which keys are published is kept in
`keys.sqlite` beside `commits/` (`schemas.keyindex`), a cache of the manifests on disk.

`schemas.compact` rewrites many small folders into one `compact-<hash>` folder whose manifest
lists all their keys and names them in `replaces`; readers take the live set of
`schemas.snapshot` (published folders minus replaced ones), and a replaced folder a kill left
behind is removed when a `Store` opens the dataset.

Only local (or POSIX-mounted shared) paths are supported. An object store fits later by taking a
`pyarrow.fs.FileSystem` plus a path: stage under a unique prefix, then publish by writing the
manifest last with a create-only condition, since object stores have no directory rename.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assay.schemas.disk import clean_staging, flush, fsync, remove, stage
from assay.schemas.keyindex import FILE as INDEX
from assay.schemas.keyindex import KeyIndex
from assay.schemas.rows import TABLE_OF, Record, to_row
from assay.schemas.snapshot import snapshot
from assay.schemas.tables import SCHEMA_VERSION, schema_for, to_arrow

MANIFEST = "manifest.json"


def key_dir(key: str) -> str:
    """The published folder name of a commit key (a hash, so any key text is a safe name)."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Prepared:
    """A commit checked and converted to rows, ready to write (the rows of a batch of commits
    become Arrow tables together, when written: one conversion per table, not per commit)."""

    key: str
    tables: dict[str, list[dict]]  # table name -> its rows
    manifest: dict[str, Any]


class Store:
    """Atomic Parquet commits under `root`; see the module docstring for the protocol."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).absolute()
        self.commits = self.root / "commits"
        self.staging = self.root.parent / f".{self.root.name}.staging"
        self.commits.mkdir(parents=True, exist_ok=True)
        self.staging.mkdir(parents=True, exist_ok=True)
        self.clean_staging()
        self.clean_replaced()
        self._index: KeyIndex | None = None  # opened at first use: a reader never needs it

    @property
    def index(self) -> KeyIndex:
        """The published keys (`schemas.keyindex`): on disk, brought up to date when opened."""
        if self._index is None:
            self._index = KeyIndex(self.root / INDEX, self.commits)
        return self._index

    def has(self, key: str) -> bool:
        """Whether `key` is published (a staged but unpublished commit does not count).

        The index is brought up to date when first used and kept with what this store
        publishes; a key another process published since reads as absent here until the next
        write, which looks again before it publishes (see `write_many`)."""
        return self.index.has(key)

    def keys(self) -> list[str]:
        """Every published commit key, sorted."""
        return sorted(k for m in self.manifests() for k in m.get("keys") or [m["key"]])

    def manifests(self) -> list[dict]:
        """The manifest of every live commit folder (its keys, run id, time, row counts per
        table; a compacted folder's also names the folders it `replaces`). Folders a compaction
        replaced are left out, so every key is listed once."""
        for _ in range(100):
            live = snapshot(self.commits).folders
            try:
                return [json.loads((self.commits / n / MANIFEST).read_text()) for n in sorted(live)]
            except FileNotFoundError:
                continue  # a compaction removed one as we read: take the live set again
        raise RuntimeError(f"{self.commits} kept changing while being read; try again")

    def clean_replaced(self) -> list[str]:
        """Remove the folders a published compaction replaced that a kill left behind (they are
        already out of every reader's live set); their names."""
        return remove(self.commits, self.staging, snapshot(self.commits).replaced)

    def commit(self, key: str, tables: Mapping[str, Sequence[Record]], *, run_id: str = "") -> bool:
        """Publish `tables` under `key` at once; False (and nothing written) if already there.

        Records are checked and converted before anything touches the disk, so a bad verdict
        status or a record in the wrong table raises and leaves no trace.
        """
        return self.write(self.prepare(key, tables, run_id=run_id))

    def prepare(
        self,
        key: str,
        tables: Mapping[str, Sequence[Record]],
        *,
        run_id: str = "",
        now: datetime | None = None,
    ) -> Prepared:
        """Check and convert a commit's records (raising on a bad one), touching no file.
        `now`: the commit time (a commit prepared in parts gives every part the same)."""
        if not key:
            raise ValueError("a commit key must be a non-empty string naming the stage and item")
        now = now or datetime.now(UTC)
        rows = {name: self._rows(name, recs, run_id, now) for name, recs in tables.items()}
        manifest = {
            "key": key,
            "schema_version": SCHEMA_VERSION,
            "committed_at": now.isoformat(),
            "run_id": run_id,
            "tables": {name: len(r) for name, r in rows.items()},
        }
        return Prepared(key, rows, manifest)

    def write(self, prepared: Prepared) -> bool:
        """Publish a prepared commit: staged, fsynced, renamed into place; False if its key is
        already published."""
        return self.write_many([prepared])[0]

    def write_many(self, batch: Sequence[Prepared]) -> list[bool]:
        """Publish several commits as one folder: one Parquet file per table holding every
        commit's rows, one manifest naming every key, one flush of the disk and one rename, so
        they appear together or not at all. A commit whose key is already published is left
        out. One result per commit: whether it was published now."""
        index = self.index
        index.refresh()
        out = [False] * len(batch)
        todo: dict[str, tuple[int, Prepared]] = {}
        published = index.known([p.key for p in batch])  # one lookup for the batch
        for i, prepared in enumerate(batch):
            if prepared.key not in published:
                todo.setdefault(prepared.key, (i, prepared))
        if not todo:
            return out
        keys = list(todo)
        name = key_dir(keys[0] if len(keys) == 1 else "\n".join(["batch", *keys]))
        commits = [p for _, p in todo.values()]
        tables = self._arrow(commits)  # a row Arrow cannot hold raises before any file exists
        with self.staged() as data:
            self._write_files(data, commits, tables)
            flush([*data.iterdir(), data])
            if not self._publish(data, self.commits / name):
                return out  # another process published this very commit first
        index.add(name, keys)
        for i, _ in todo.values():
            out[i] = True
        return out

    @staticmethod
    def _arrow(batch: Sequence[Prepared]) -> dict[str, Any]:
        """Each table's rows of every commit in `batch` as one Arrow table."""
        names = sorted({name for p in batch for name in p.tables})
        return {n: to_arrow(n, [r for p in batch for r in p.tables.get(n, ())]) for n in names}

    @staticmethod
    def _write_files(data: Path, batch: Sequence[Prepared], tables: dict[str, Any]) -> None:
        import pyarrow.parquet as pq

        for name, table in tables.items():
            pq.write_table(table, data / f"{name}.parquet", compression="zstd")
        first = batch[0].manifest
        manifest = {
            **first,
            **({"keys": [p.key for p in batch]} if len(batch) > 1 else {}),
            "tables": {name: t.num_rows for name, t in tables.items()},
            "run_id": first["run_id"] if len({p.manifest["run_id"] for p in batch}) == 1 else "",
        }
        (data / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))

    @staticmethod
    def _rows(name: str, records: Sequence[Record], run_id: str, now: datetime) -> list[dict]:
        schema_for(name)  # an unknown table name fails here, listing the known ones
        for record in records:
            if TABLE_OF.get(type(record)) != name:
                raise TypeError(
                    f"table {name!r} cannot hold a {type(record).__name__}; "
                    f"put it under {TABLE_OF.get(type(record))!r}"
                )
        return [to_row(record, run_id, now) for record in records]

    def _publish(self, staged: Path, target: Path) -> bool:
        """The one atomic step: rename the staged folder into the dataset, durably."""
        try:
            os.rename(staged, target)
        except OSError as exc:
            if exc.errno in (errno.EEXIST, errno.ENOTEMPTY):
                return False  # another process published this key first
            if exc.errno == errno.EXDEV:
                raise OSError(
                    f"{self.staging} and {self.commits} are on different file "
                    "systems; put the dataset root inside a folder, not on a mount "
                    "point"
                ) from exc
            raise
        fsync(self.commits)
        return True

    def staged(self) -> contextlib.AbstractContextManager[Path]:
        """A private folder outside the dataset (a commit written before it is published, a
        pass's spill files), locked while held: removed at the end, or by the next `Store` to
        open the dataset if this process dies."""
        return stage(self.staging)

    def clean_staging(self) -> list[str]:
        """Remove staging folders whose writer died (their lock is free); their names."""
        return clean_staging(self.staging)
