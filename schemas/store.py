"""The dataset store: every stage's output lands as one atomic, idempotent commit.

Layout under `root`:  `commits/<sha256(key)[:32]>/{manifest.json, <table>.parquet...}`.
A commit is written in full under a sibling staging folder (`.<root name>.staging/`, outside the
dataset so no reader ever globs a half-written file), fsynced, then published with one directory
rename. A key that is already published is a no-op, and two processes racing on the same key end
with one copy: the loser's rename meets a non-empty folder and fails. That is how a killed run
resumes with nothing lost and nothing duplicated.

Only local (or POSIX-mounted shared) paths are supported. An object store fits later by taking a
`pyarrow.fs.FileSystem` plus a path: stage under a unique prefix, then publish by writing the
manifest last with a create-only condition, since object stores have no directory rename.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assay.schemas.rows import TABLE_OF, Record, to_row
from assay.schemas.tables import SCHEMA_VERSION, schema_for, to_arrow

MANIFEST = "manifest.json"
_LOCK = "lock"


def key_dir(key: str) -> str:
    """The published folder name of a commit key (a hash, so any key text is a safe name)."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class Prepared:
    """A commit checked and converted to Arrow, ready to write."""

    key: str
    tables: dict[str, Any]  # table name -> pyarrow.Table
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

    def has(self, key: str) -> bool:
        """Whether `key` is published (a staged but unpublished commit does not count)."""
        return (self.commits / key_dir(key) / MANIFEST).is_file()

    def keys(self) -> list[str]:
        """Every published commit key, sorted."""
        return sorted(m["key"] for m in self.manifests())

    def manifests(self) -> list[dict]:
        """The manifest of every published commit (key, run id, time, row counts per table)."""
        found = sorted(self.commits.glob(f"*/{MANIFEST}"))
        return [json.loads(path.read_text()) for path in found]

    def commit(self, key: str, tables: Mapping[str, Sequence[Record]], *, run_id: str = "") -> bool:
        """Publish `tables` under `key` at once; False (and nothing written) if already there.

        Records are checked and converted before anything touches the disk, so a bad verdict
        status or a record in the wrong table raises and leaves no trace.
        """
        return self.write(self.prepare(key, tables, run_id=run_id))

    def prepare(
        self, key: str, tables: Mapping[str, Sequence[Record]], *, run_id: str = ""
    ) -> Prepared:
        """Check and convert a commit's records (raising on a bad one), touching no file."""
        if not key:
            raise ValueError("a commit key must be a non-empty string naming the stage and item")
        now = datetime.now(UTC)
        arrow = {
            name: to_arrow(name, self._rows(name, recs, run_id, now))
            for name, recs in tables.items()
        }
        manifest = {
            "key": key,
            "schema_version": SCHEMA_VERSION,
            "committed_at": now.isoformat(),
            "run_id": run_id,
            "tables": {name: t.num_rows for name, t in arrow.items()},
        }
        return Prepared(key, arrow, manifest)

    def write(self, prepared: Prepared) -> bool:
        """Publish a prepared commit: staged, fsynced, renamed into place; False if its key is
        already published."""
        if self.has(prepared.key):
            return False
        with self._stage() as data:
            import pyarrow.parquet as pq

            for name, table in prepared.tables.items():
                pq.write_table(table, data / f"{name}.parquet", compression="zstd")
            (data / MANIFEST).write_text(json.dumps(prepared.manifest, indent=1, sort_keys=True))
            for path in data.iterdir():
                _fsync(path)
            _fsync(data)
            return self._publish(data, self.commits / key_dir(prepared.key))

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
        """The one atomic step: rename the staged folder into the dataset."""
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
        _fsync(self.commits)
        return True

    @contextmanager
    def _stage(self) -> Iterator[Path]:
        """A private staging folder, locked for as long as this process works in it."""
        while True:
            work = Path(tempfile.mkdtemp(dir=self.staging))
            try:
                fd = os.open(work / _LOCK, os.O_CREAT | os.O_RDWR, 0o644)
            except FileNotFoundError:
                continue  # a cleaner removed the new folder before we could lock it
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                if os.stat(work / _LOCK).st_ino == os.fstat(fd).st_ino:
                    break  # ours; otherwise a cleaner took it before we locked it
            except FileNotFoundError:
                pass
            os.close(fd)
        try:
            (work / "data").mkdir()
            yield work / "data"
        finally:
            shutil.rmtree(work, ignore_errors=True)
            os.close(fd)

    def clean_staging(self) -> list[str]:
        """Remove staging folders whose writer died (its lock is free); returns their names."""
        removed = []
        for work in self.staging.iterdir():
            if not work.is_dir():
                continue
            try:
                fd = os.open(work / _LOCK, os.O_CREAT | os.O_RDWR, 0o644)
            except FileNotFoundError:
                continue  # removed under us by its owner
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue  # a live writer holds it
            shutil.rmtree(work, ignore_errors=True)
            os.close(fd)
            removed.append(work.name)
        return removed
