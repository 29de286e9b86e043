"""Commits written behind the caller: a run's loop hands each commit to one writer thread and
goes on dispatching work while the files are written and fsynced (most of a commit's time is
spent waiting on the disk). Commits handed over within `GAP_S` of each other, for up to
`LINGER_S` and `BATCH` commits, are written together as one folder (`Store.write_many`): one
Parquet file per table and one flush of the disk for all of them, so a run of millions of
tasks makes thousands of folders, not millions.

Commits are written in the order they were handed over, so what is on disk after a kill is
always a prefix of them: a task's later stage is never published before its earlier one.
A commit handed over is written within about `LINGER_S` (at once on `flush`). The
queue is bounded (a slow disk holds the caller back instead of letting memory grow), and an
error in the writer is raised in the caller at its next `submit` or `flush`.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Mapping, Sequence

from assay.schemas.rows import Record
from assay.schemas.store import Prepared, Store

_STOP = None
_NOW = "flush"  # write what is queued without lingering (`flush`)
BATCH = 4096  # most commits written together as one folder
# A batch is written once no commit has come for GAP_S, or LINGER_S after its first: while
# commits keep coming, about one folder a second. A folder's own cost (a Parquet file per
# table, a manifest, the flushes, the index) is then paid for hundreds of tasks: at 256
# commits and 0.2 s it was a third of the driver's CPU per task.
GAP_S = 0.5
LINGER_S = 1.0


class Writer:
    """One background thread publishing `Store` commits in order."""

    def __init__(self, store: Store, depth: int = 256) -> None:
        self.store = store
        self._queue: queue.Queue[Prepared | str | None] = queue.Queue(maxsize=depth)
        self._pending: set[str] = set()
        self._lock = threading.Lock()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="assay-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        stop = False
        while not stop:
            batch = [self._queue.get()]
            until = time.monotonic() + LINGER_S
            while len(batch) < BATCH and batch[-1] is not _STOP and batch[-1] is not _NOW:
                try:
                    wait = min(GAP_S, until - time.monotonic())
                    batch.append(self._queue.get(timeout=max(0.0, wait)))
                except queue.Empty:
                    break
            stop = batch[-1] is _STOP
            work = [p for p in batch if isinstance(p, Prepared)]
            try:
                if self._error is None and work:
                    self.store.write_many(work)  # one disk flush for the whole batch
            except BaseException as exc:  # re-raised in the caller
                self._error = exc
            finally:
                with self._lock:
                    self._pending.difference_update(p.key for p in work)
                for _ in batch:
                    self._queue.task_done()

    def _raise(self) -> None:
        if self._error is not None:
            raise RuntimeError(f"writing the dataset failed: {self._error}") from self._error

    def has(self, key: str) -> bool:
        """Published, or handed over and not yet written."""
        with self._lock:
            if key in self._pending:
                return True
        return self.store.has(key)

    def submit(
        self, key: str, tables: Mapping[str, Sequence[Record]], run_id: str, unseen: bool = False
    ) -> bool:
        """Check the records now (a bad one raises here) and write them behind the caller;
        False if `key` is already published or handed over. `unseen`: the caller knows it is
        neither, so the index is not asked."""
        self._raise()
        if not unseen and self.has(key):
            return False
        prepared = self.store.prepare(key, tables, run_id=run_id)
        with self._lock:
            self._pending.add(key)
        self._queue.put(prepared)
        return True

    def flush(self) -> None:
        """Wait until every handed-over commit is published (the writer does not linger for
        more); raise the writer's error."""
        self._queue.put(_NOW)
        self._queue.join()
        self._raise()

    def close(self) -> None:
        """Publish what is queued, then stop the thread."""
        self._queue.put(_STOP)
        self._thread.join()
        self._raise()
