"""Putting a finished export in place of the last one, so a kill at any moment leaves `data/`
whole: the old export's or the new one's, never neither.

`data/` stays a plain folder, not a symlink to a versioned one: `git add` in a Hub clone,
`huggingface-cli upload`, `du` and `datasets` all read it as the Hub's layout expects (git
would commit a symlink as a link). The swap is Linux's renameat2(RENAME_EXCHANGE), which trades
two folders in one step. Where the kernel or file system lacks it, it is two renames, with a
journal in the staging folder, and `recover` (run by the next export before anything else)
puts back the old `data/` a kill between them left out, or finishes a swap that happened.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import os
import shutil
from pathlib import Path
from typing import Any

from assay.schemas.disk import flush

JOURNAL = "publishing"  # in the staging folder: the new data/'s inode, written before the swap
OLD = "old-data"  # in the staging folder: the old data/ while two renames swap them
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_UNSUPPORTED = (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP)


@functools.cache
def _renameat2() -> Any:
    try:
        return getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    except OSError:
        return None


def exchange(a: Path, b: Path) -> bool:
    """Swap folders `a` and `b` in one step; False (nothing done) where that is unsupported."""
    call = _renameat2()
    if call is None:
        return False
    if call(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in _UNSUPPORTED:
        return False
    raise OSError(code, os.strerror(code), str(a), None, str(b))


def publish(staging: Path, out: Path) -> None:
    """Swap `staging`'s data/ and README.md into `out`, then remove `staging` (with the old
    data/). The data/ swap is the one step that decides which export `out` holds."""
    new, live = staging / "data", out / "data"
    flush([*new.rglob("*"), new, staging])
    (staging / JOURNAL).write_text(str(new.stat().st_ino))
    if not live.exists():
        new.rename(live)
    elif not exchange(new, live):
        live.rename(staging / OLD)  # a kill here leaves no data/ until `recover`
        new.rename(live)
    (staging / "README.md").replace(out / "README.md")
    shutil.rmtree(staging, ignore_errors=True)


def recover(staging: Path, out: Path, legacy: Path | None = None) -> None:
    """Finish or undo the publish a kill cut short, before a new export clears `staging`: a
    data/ that is the new one gets its card; a missing one gets the old one back (from
    `legacy` too: where an older assay left it, between its two renames)."""
    live = out / "data"
    for old in (staging / OLD, legacy):
        if old is not None and not live.exists() and old.is_dir():
            old.rename(live)
    try:
        inode = int((staging / JOURNAL).read_text())
    except (FileNotFoundError, ValueError):
        return  # killed before publishing: the staging folder is scrap
    card = staging / "README.md"
    if live.exists() and live.stat().st_ino == inode and card.exists():
        card.replace(out / "README.md")
