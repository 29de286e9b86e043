"""Batches of commits as one folder, and the writer thread that gathers them."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from assay.schemas import writer as writer_module
from assay.schemas.query import query
from assay.schemas.records import Task
from assay.schemas.store import Store
from assay.schemas.writer import Writer


def _task(i: int) -> Task:
    return Task("code", "batch", f"t{i}", f"prompt {i}", entry_point="f")


def test_a_batch_is_one_folder_naming_every_key_and_read_like_single_commits(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path / "ds")
    batch = [store.prepare(f"k{i}", {"tasks": [_task(i)]}, run_id="r") for i in range(5)]
    assert store.write_many(batch) == [True] * 5
    assert store.commit("single", {"tasks": [_task(9)]}, run_id="r")
    folders = sorted(p.name for p in store.commits.iterdir())
    assert len(folders) == 2
    assert store.keys() == sorted([f"k{i}" for i in range(5)] + ["single"])
    fresh = Store(tmp_path / "ds")  # a new reader builds its index from the manifests
    assert all(fresh.has(f"k{i}") for i in range(5)) and not fresh.has("k5")
    names = query(tmp_path / "ds", "SELECT name FROM tasks ORDER BY name").column("name")
    assert names.to_pylist() == [f"t{i}" for i in (0, 1, 2, 3, 4, 9)]


def test_keys_already_published_are_left_out_of_a_batch(tmp_path: Path) -> None:
    store = Store(tmp_path / "ds")
    assert store.commit("k1", {"tasks": [_task(1)]})
    other = Store(tmp_path / "ds")  # another process's view, read before k1 was published
    batch = [other.prepare(f"k{i}", {"tasks": [_task(i)]}) for i in range(3)]
    assert other.write_many(batch) == [True, False, True]
    assert other.write_many(batch) == [False, False, False]
    count = query(tmp_path / "ds", "SELECT count(*) AS n FROM raw_tasks").column("n")[0]
    assert count.as_py() == 3  # k1's row once


def test_the_writer_publishes_in_order_and_reports_what_is_pending(tmp_path: Path) -> None:
    store = Store(tmp_path / "ds")
    writer = Writer(store)
    for i in range(300):
        assert writer.submit(f"k{i}", {"tasks": [_task(i)]}, "r")
    assert writer.has("k299")  # handed over counts as done for the caller
    assert not writer.submit("k0", {"tasks": [_task(0)]}, "r")
    writer.flush()
    assert all(store.has(f"k{i}") for i in range(300))
    assert len(list(store.commits.iterdir())) < 10  # gathered into a few folders
    writer.close()


def test_flush_writes_at_once_without_waiting_for_more(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writer_module, "LINGER_S", 30.0)  # a batch would wait this long
    store = Store(tmp_path / "ds")
    writer = Writer(store)
    writer.submit("k", {"tasks": [_task(1)]}, "r")
    started = time.monotonic()
    writer.flush()
    assert store.has("k") and time.monotonic() - started < 10
    writer.submit("k2", {"tasks": [_task(2)]}, "r")  # the writer goes on after a flush
    writer.close()
    assert store.has("k2")


def test_a_bad_record_raises_in_the_caller_and_a_write_error_at_the_next_call(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path / "ds")
    writer = Writer(store)
    with pytest.raises(TypeError, match="cannot hold"):
        writer.submit("bad", {"runs": [_task(0)]}, "r")
    assert not writer.has("bad")

    def broken(batch: object) -> list[bool]:
        raise OSError("planted: the disk is full")

    store.write_many = broken  # type: ignore[method-assign]
    writer.submit("k", {"tasks": [_task(1)]}, "r")
    with pytest.raises(RuntimeError, match="disk is full"):
        writer.flush()
