"""The store's on-disk key index: a reopened dataset reads only the manifests it has not seen,
an index that lags the disk (a kill between publish and index) catches up, and one that does
not match the dataset's folders (a restored backup, a foreign or broken file) is built again."""

from __future__ import annotations

import shutil
import tracemalloc
from pathlib import Path

import pytest

from assay.schemas import keyindex
from assay.schemas.compact import compact
from assay.schemas.records import Task
from assay.schemas.store import Prepared, Store


def _keys(store: Store, lo: int, hi: int, per: int = 1) -> list[bool]:
    """Publish keys k<lo>..k<hi-1>, `per` to a folder, each with one task row."""
    out: list[bool] = []
    for start in range(lo, hi, per):
        batch = [_prepared(store, i) for i in range(start, min(start + per, hi))]
        out += store.write_many(batch)
    return out


def _prepared(store: Store, i: int) -> Prepared:
    return store.prepare(f"k{i}", {"tasks": [Task("code", "s", f"t{i}", f"p{i}")]}, run_id="r")


@pytest.fixture()
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the folders whose manifests the index reads."""
    seen: list[str] = []
    real = keyindex._read

    def counted(path: Path) -> dict:
        if path.name == keyindex.MANIFEST:
            seen.append(path.parent.name)
        return real(path)

    monkeypatch.setattr(keyindex, "_read", counted)
    return seen


def test_a_reopened_dataset_reads_only_new_manifests(tmp_path: Path, reads: list[str]) -> None:
    first = Store(tmp_path / "ds")
    assert _keys(first, 0, 40, per=4) == [True] * 40
    assert reads == []  # what this store published it indexed as it wrote
    again = Store(tmp_path / "ds")
    assert all(again.has(f"k{i}") for i in range(40)) and not again.has("k40")
    assert reads == []  # every folder was in the index on disk
    assert _keys(first, 40, 42) == [True, True]  # another process publishes two folders
    assert _keys(again, 40, 43) == [False, False, True]  # its write looks first
    assert len(reads) == 2


def test_a_folder_published_but_not_indexed_is_found(tmp_path: Path) -> None:
    store = Store(tmp_path / "ds")
    _keys(store, 0, 6, per=2)
    real = keyindex.KeyIndex.add
    keyindex.KeyIndex.add = lambda self, folder, keys: None  # type: ignore[method-assign]
    try:  # a kill between the folder's rename and its index transaction
        assert _keys(store, 6, 8, per=2) == [True, True]
    finally:
        keyindex.KeyIndex.add = real  # type: ignore[method-assign]
    reopened = Store(store.root)
    assert all(reopened.has(f"k{i}") for i in range(8))
    assert _keys(reopened, 6, 8, per=2) == [False, False]  # nothing published twice
    assert sum(1 for _ in store.commits.iterdir()) == 4


def test_an_index_that_does_not_match_the_folders_is_built_again(tmp_path: Path) -> None:
    store = Store(tmp_path / "ds")
    _keys(store, 0, 4)
    backup = tmp_path / "backup"
    shutil.copytree(store.commits, backup)
    _keys(store, 4, 6)
    shutil.rmtree(store.commits)  # restored from the backup: k4 and k5 are gone
    shutil.copytree(backup, store.commits)
    restored = Store(store.root)
    assert [restored.has(f"k{i}") for i in range(6)] == [True] * 4 + [False] * 2
    assert _keys(restored, 4, 6) == [True, True]  # written again, not taken as done


@pytest.mark.parametrize("content", [b"", b"not a database at all" * 100])
def test_a_broken_index_file_is_made_anew(tmp_path: Path, content: bytes) -> None:
    store = Store(tmp_path / "ds")
    _keys(store, 0, 3)
    store.index.close()
    (store.root / keyindex.FILE).write_bytes(content)
    reopened = Store(store.root)
    assert all(reopened.has(f"k{i}") for i in range(3)) and not reopened.has("k3")


def test_compaction_keeps_the_index(tmp_path: Path, reads: list[str]) -> None:
    store = Store(tmp_path / "ds")
    _keys(store, 0, 12, per=3)
    compact(store.root)  # removes the four folders the index lists
    reopened = Store(store.root)
    assert all(reopened.has(f"k{i}") for i in range(12))
    assert [n.startswith("compact-") for n in reads] == [True]  # no rebuild: one new manifest


def test_the_keys_stay_on_disk(tmp_path: Path) -> None:
    """Opening a dataset of 100,000 keys and asking for each holds no set of them in memory."""
    store = Store(tmp_path / "ds")
    for start in range(0, 100_000, 10_000):
        store.write_many([store.prepare(f"key/{i:040d}", {}) for i in range(start, start + 10_000)])
    store.index.close()
    tracemalloc.start()
    reopened = Store(store.root)
    found = sum(reopened.has(f"key/{i:040d}") for i in range(0, 100_000, 7))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert found == len(range(0, 100_000, 7))
    assert peak < 2_000_000  # a dict of the keys: over 15 MB
