"""Which commit folders a reader reads: the live set, taken as one consistent snapshot.

Compaction (`schemas.compact`) publishes one large folder in place of many small ones, then
removes the small ones. Readers must see the old folders or the new one, never both and never
neither, at every instant, a kill between the publish and the removal included. So the rule is
explicit: the live folders are the published folders minus every folder named in the `replaces`
of a published compacted folder (live or itself replaced: either way its rows are read, so the
folders it was made from must not be). A compacted folder is named `compact-<hash>` and holds a
small `replaces.json` beside its manifest (the manifest lists every key it holds, which can be
large), so a snapshot reads one small file per compacted folder and one manifest per other.

The folder listing is repeated until two listings in a row agree: a listing that races a
compaction can miss the new folder and a folder it replaces at once (reading a directory does
not freeze it), and the second listing tells. A reader holds its snapshot's files open for as
long as it reads (`schemas.held`), so a compaction that removes them changes nothing it reads.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

MANIFEST = "manifest.json"
REPLACES = "replaces.json"
COMPACTED = "compact-"  # the name prefix of a compacted folder
_TRIES = 100


@dataclass(frozen=True)
class Snapshot:
    """The live folders of a dataset at one moment, with the tables each holds a file of."""

    commits: Path
    folders: dict[str, tuple[str, ...]]  # live folder -> its tables
    replaced: tuple[str, ...] = ()  # published folders a live one replaces (left by a kill)
    compacted: frozenset[str] = field(default_factory=frozenset)
    held: Mapping[Path, Path] = field(default_factory=dict)  # file -> its open descriptor's path

    def paths(self) -> list[Path]:
        """Every live Parquet file, of every table."""
        return [self.commits / n / f"{t}.parquet" for n, ts in self.folders.items() for t in ts]

    def files(self, table: str) -> list[Path]:
        """Every live Parquet file of `table`, in folder-name order; a held snapshot's by the
        paths of their open descriptors (readable after a compaction removes the file)."""
        names = sorted(n for n, tables in self.folders.items() if table in tables)
        paths = [self.commits / n / f"{table}.parquet" for n in names]
        return [self.held[p] for p in paths] if self.held else paths


def live(published: Iterable[str], replaces: Mapping[str, Iterable[str]]) -> set[str]:
    """The folders a reader reads: the published ones minus those a compacted one replaces.

    `replaces` maps each compacted folder to the folders it was made from; one that is itself
    replaced still counts (its rows are in the folder that replaced it), so chains need no walk."""
    names = set(published)
    gone = {old for new, olds in replaces.items() if new in names for old in olds}
    return names - gone


def listing(commits: Path) -> set[str]:
    """The published folder names (hidden entries, such as stray copies, are not commits)."""
    try:
        return {e.name for e in os.scandir(commits) if not e.name.startswith(".") and e.is_dir()}
    except FileNotFoundError:
        return set()


def snapshot(commits: Path) -> Snapshot:
    """The live folders under `commits` and their tables, consistent at one moment."""
    for _ in range(_TRIES):
        names = listing(commits)
        try:
            sidecars = {n: _read(commits / n / REPLACES) for n in names if n.startswith(COMPACTED)}
            if listing(commits) != names:
                continue  # a folder came or went while we looked: look again
            alive = live(names, {n: s.get("replaces", ()) for n, s in sidecars.items()})
            tables = {
                n: (sidecars[n] if n in sidecars else _read(commits / n / MANIFEST)).get("tables")
                for n in alive
            }
        except FileNotFoundError:
            continue  # removed as we read it (a compaction finished): look again
        folders = {n: tuple(t) for n, t in tables.items() if t is not None}
        return Snapshot(commits, folders, tuple(sorted(names - alive)), frozenset(sidecars))
    raise RuntimeError(f"{commits} kept changing while being listed; try again")


def _read(path: Path) -> dict:
    """A folder's manifest or replaces file; {} where the folder is there without it (not a
    published commit: the store never makes one); FileNotFoundError where the folder is gone."""
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        if path.parent.is_dir():
            return {}
        raise
