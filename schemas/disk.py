"""The store's disk work: private staging folders (locked while their writer lives, so a
cleaner removes only a dead writer's), making written files durable, and taking published
folders away (each in one rename, so no reader ever meets a half-deleted folder)."""

from __future__ import annotations

import ctypes
import fcntl
import functools
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

_LOCK = "lock"


def flush(paths: Sequence[Path]) -> None:
    """Make the files and folders `paths` durable: one `syncfs` of their file system where
    Linux has it (one flush for a whole batch of commits), else an fsync of each."""
    if not paths:
        return
    fd = os.open(paths[0], os.O_RDONLY)
    try:
        if _libc() is not None and _libc().syncfs(fd) == 0:
            return
    finally:
        os.close(fd)
    for path in paths:
        fsync(path)


@functools.cache
def _libc() -> Any:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc if hasattr(libc, "syncfs") else None
    except OSError:
        return None


def fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def stage(staging: Path) -> Iterator[Path]:
    """A private folder under `staging` to write a commit in, locked for as long as this
    process works in it; removed on exit (after a publish it holds only the lock)."""
    while True:
        work = Path(tempfile.mkdtemp(dir=staging))
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


def clean_staging(staging: Path) -> list[str]:
    """Remove staging folders whose writer died (its lock is free); returns their names."""
    removed = []
    for work in staging.iterdir():
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


def remove(commits: Path, staging: Path, names: Sequence[str]) -> list[str]:
    """Take the folders `names` out of `commits`: each is renamed into a private staging folder
    (one atomic step: a reader sees it whole or not at all), then deleted there; a kill before
    the deletion leaves it to `clean_staging`. Returns the names it took (a name already gone,
    taken by another process, is skipped)."""
    taken = []
    with stage(staging) as data:
        for name in names:
            try:
                os.rename(commits / name, data / name)
            except FileNotFoundError:
                continue
            taken.append(name)
        if taken:
            fsync(commits)
    return taken
