"""A snapshot held open: its files stay readable for as long as a reader reads, whatever a
compaction removes meanwhile.

A compaction removes the folders it replaced once the compacted folder is published, and a
reader that took its snapshot before then would fail on the first file it opens after (DuckDB
opens a file by name at every scan). So a reader opens every file of its snapshot at once and
reads each through its descriptor's path (`/proc/self/fd/N`): an open file outlives its removal.
Only that opening can meet a folder already gone; the snapshot is then taken again, before any
row is read, so no reader ever starts over mid-way or sees a row twice. DuckDB keeps no file
open between scans, so a reader costs one descriptor per file; the process limit is raised to
fit, up to its hard limit.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from assay.schemas.snapshot import Snapshot, snapshot

FDS = Path("/proc/self/fd" if os.path.isdir("/proc/self/fd") else "/dev/fd")
_SPARE = 256  # descriptors left free for DuckDB and the rest of the process
_TRIES = 100


@contextmanager
def held(commits: Path) -> Iterator[Snapshot]:
    """The live snapshot of `commits`, every file held open until the block ends."""
    for _ in range(_TRIES):
        snap = snapshot(commits)
        paths = snap.paths()
        make_room(commits, len(paths))
        fds: dict[Path, int] = {}
        try:
            for path in paths:
                fds[path] = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            _close(fds)
            continue  # a compaction removed it since the listing: take the snapshot again
        except BaseException:
            _close(fds)
            raise
        try:
            yield replace(snap, held={p: FDS / str(fd) for p, fd in fds.items()})
        finally:
            _close(fds)
        return
    raise RuntimeError(f"{commits} kept changing while being opened; try again")


def _close(fds: Mapping[Path, int]) -> None:
    for fd in fds.values():
        os.close(fd)


def make_room(commits: Path, files: int) -> None:
    """Raise this process's open-file limit to what holding `files` more files needs (with room
    to spare where the hard limit allows); where even they do not fit, say what to do (a dataset
    of that many files wants compacting)."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    held = files + len(os.listdir(FDS))
    if soft == resource.RLIM_INFINITY or held + _SPARE <= soft:
        return
    try:
        target = held + _SPARE if hard == resource.RLIM_INFINITY else min(held + _SPARE, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    except (ValueError, OSError):
        pass  # kept as it was: enough if the files fit
    if held >= soft:
        raise OSError(
            errno.EMFILE,
            f"reading {commits} holds its {files} files open, more than this process may "
            f"(open-file limit {soft}): run `assay compact` on the dataset, or raise `ulimit -n`",
        )
