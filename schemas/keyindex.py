"""The store's index of published commit keys, on disk: `has` is a lookup in a file, not a set
of every key of the dataset held in memory, and a process that opens a dataset reads only the
manifests of the folders published since the index last saw the commits (a resumed run of a
million tasks does not read a million keys back).

The index is a cache of the manifests, never their authority. It lists a folder only after
the folder is published, in the same transaction as the folder's keys, so a kill at any point
leaves it listing less than the disk holds, never more; what it lacks is read from the
manifests at the next refresh. Opened on a dataset whose folders it does not match (one
restored from a backup, or copied without its new folders) it is built again from the
manifests. It is SQLite (Python's own), in rollback-journal mode so that processes on other
hosts writing the same dataset over a POSIX-mounted share take turns through file locks.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from assay.schemas.snapshot import COMPACTED, MANIFEST, REPLACES, listing

FILE = "keys.sqlite"  # in the dataset root, beside commits/
CHUNK = 200  # folders read per transaction when catching up: memory bounded by a chunk
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS folders (name TEXT PRIMARY KEY) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS keys (key TEXT PRIMARY KEY) WITHOUT ROWID",
)


class KeyIndex:
    """The published keys of the folders under `commits`, kept in `path`."""

    def __init__(self, path: Path, commits: Path) -> None:
        self.path, self.commits = path, commits
        self._lock = threading.Lock()  # a run's loop asks while its writer thread adds
        self._db = self._connect()
        self._listed = {n for (n,) in self._db.execute("SELECT name FROM folders")}
        if self._stale():
            self._db.executescript(
                "BEGIN IMMEDIATE; DELETE FROM folders; DELETE FROM keys; COMMIT;"
            )
            self._listed = set()
        self.refresh()

    def _connect(self) -> sqlite3.Connection:
        """The index file, made anew where it is not a readable index."""
        for _ in range(2):
            db = sqlite3.connect(self.path, timeout=600, isolation_level=None,
                                 check_same_thread=False)  # fmt: skip
            try:
                for statement in _SCHEMA:
                    db.execute(statement)
                db.execute("SELECT count(*) FROM folders").fetchall()
                return db
            except sqlite3.DatabaseError:  # not an index (a truncated or foreign file)
                db.close()
                self.path.unlink()
        raise RuntimeError(f"{self.path}: cannot make a key index here; remove the file")

    def _stale(self) -> bool:
        """Whether the index lists a folder the dataset never had or lost other than to a
        compaction (whose folder names those it replaced)."""
        present = listing(self.commits)
        gone = self._listed - present
        if not gone:
            return False
        for name in present:
            if name.startswith(COMPACTED):
                gone -= set(_read(self.commits / name / REPLACES).get("replaces", ()))
        return bool(gone)

    def has(self, key: str) -> bool:
        with self._lock:
            return (
                self._db.execute("SELECT 1 FROM keys WHERE key = ?", (key,)).fetchone() is not None
            )

    def known(self, keys: Sequence[str], chunk: int = 500) -> set[str]:
        """Which of `keys` are published: one lookup per `chunk` of them."""
        out: set[str] = set()
        for start in range(0, len(keys), chunk):
            part = keys[start : start + chunk]
            sql = f"SELECT key FROM keys WHERE key IN ({','.join('?' * len(part))})"
            with self._lock:
                out.update(key for (key,) in self._db.execute(sql, part).fetchall())
        return out

    def containing(self, part: str, chunk: int = 10_000, *, first: bool = False) -> Iterator[str]:
        """Every key with `part` in it (`first`: at its start, a range of the index; else a scan
        of it, for a run's opening, not for each task), a chunk at a time."""
        last, test = ("", "instr(key, ?) > 0") if not first else (part, "key < ?")
        bound = part + "\U0010ffff" if first else part
        while True:
            with self._lock:
                rows = self._db.execute(
                    f"SELECT key FROM keys WHERE key > ? AND {test} ORDER BY key LIMIT ?",
                    (last, bound, chunk),
                ).fetchall()
            yield from (key for (key,) in rows)
            if len(rows) < chunk:
                return
            last = rows[-1][0]

    def refresh(self) -> None:
        """Add the folders published since the index last looked (by any process)."""
        new = sorted(listing(self.commits) - self._listed)
        for start in range(0, len(new), CHUNK):  # a rebuild commits as it goes
            chunk = [
                (n, m)
                for n in new[start : start + CHUNK]
                if (m := _read(self.commits / n / MANIFEST))
            ]
            self.add_many([(n, m.get("keys") or [m["key"]]) for n, m in chunk])

    def add(self, folder: str, keys: Sequence[str]) -> None:
        """Record a folder this process just published, with its keys."""
        self.add_many([(folder, keys)])

    def add_many(self, folders: Iterable[tuple[str, Sequence[str]]]) -> None:
        items = [(name, keys) for name, keys in folders if name not in self._listed]
        if not items:
            return
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany("INSERT OR IGNORE INTO keys VALUES (?)",
                                     ((k,) for _, keys in items for k in keys))  # fmt: skip
                self._db.executemany("INSERT OR IGNORE INTO folders VALUES (?)",
                                     ((name,) for name, _ in items))  # fmt: skip
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._listed.update(name for name, _ in items)

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _read(path: Path) -> dict:
    """A folder's manifest or sidecar; empty where the folder is not a published commit or a
    compaction removed it as we looked."""
    try:
        return dict(json.loads(path.read_text()))
    except (FileNotFoundError, NotADirectoryError):
        return {}
