"""A commit written batch by batch is published whole when its block ends, or not at all: an
error midway, a bad record or no rows leave nothing in the dataset, and a key already there is
not written twice."""

from __future__ import annotations

from pathlib import Path

import pytest

from assay.schemas.query import query, read_records
from assay.schemas.records import Sample, Task
from assay.schemas.store import Store
from assay.schemas.streamed import streamed_commit


def _samples(start: int, n: int) -> list[Sample]:
    return [
        Sample(f"t-{k}", f"c-{k}", "code", f"prompt {k}", f"answer {k}")
        for k in range(start, start + n)
    ]


def _leftovers(store: Store) -> list[Path]:
    return [p for p in store.staging.rglob("*") if p.name != "lock" and p.is_file()]


def test_batches_become_one_commit_published_once(tmp_path: Path) -> None:
    store = Store(tmp_path / "ds")
    with streamed_commit(store, "curate/p1", "samples", run_id="r1") as sink:
        for start in (0, 3, 6):
            sink.write(_samples(start, 3))
        sink.write([])
        assert not store.has("curate/p1")  # nothing visible before the block ends
    assert sink.published and store.has("curate/p1")
    got = read_records(store.root, "samples")
    assert sorted(s.task_id for s in got) == sorted(f"t-{k}" for k in range(9))
    times = query(store.root, "SELECT DISTINCT committed_at FROM samples")
    assert times.num_rows == 1  # one commit, one time
    assert len(list(store.commits.iterdir())) == 1
    assert Store(store.root).has("curate/p1")  # the key index on disk knows it
    with streamed_commit(store, "curate/p1", "samples") as again:
        again.write(_samples(0, 2))
    assert not again.published
    assert len(read_records(store.root, "samples")) == 9
    assert not _leftovers(store)


def test_an_error_midway_a_bad_record_or_no_rows_publish_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path / "ds")
    with pytest.raises(RuntimeError, match="killed"), streamed_commit(store, "k", "samples") as s:
        s.write(_samples(0, 3))
        raise RuntimeError("killed")
    with pytest.raises(TypeError, match="hold a Task"), streamed_commit(store, "k", "samples") as s:
        s.write(_samples(0, 3))
        s.write([Task("code", "seed", "x", "p")])
    with streamed_commit(store, "k", "samples") as empty:
        pass
    assert not empty.published and not store.has("k")
    assert list(store.commits.iterdir()) == []
    assert not _leftovers(store)
