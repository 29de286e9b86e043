"""Compaction for real: rows kept exactly, keys still answered, readers never see a folder and
its replacement together (nor neither), a SIGKILL at every step loses nothing, one at a time."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assay.flows.cli import app
from assay.schemas import compact as compact_mod
from assay.schemas import snapshot as snapshot_mod
from assay.schemas.compact import LOCK, CompactionBusy, compact, compact_if_worthwhile
from assay.schemas.query import VIEWS, reading
from assay.schemas.records import Candidate, Outcome, Role, Sample, Status, Task, Verdict
from assay.schemas.snapshot import live, snapshot
from assay.schemas.store import Prepared, Store
from assay.schemas.tables import TABLES


def _commits(store: Store, first: int, last: int, run_id: str = "r1") -> list[Prepared]:
    """One commit per task: the task, a solver, its verdict and a sample."""
    out = []
    for i in range(first, last):
        task = Task("code", "seed", f"t{i}", f"prompt {i}", tests=(f"assert f({i})",))
        cand = Candidate(task.id, Role.SOLVER, f"def f(x): return {i % 3}")
        status = Status.PASS if i % 3 else Status.FAIL
        outcomes = (Outcome(f"assert f({i})", status),)
        verdict = Verdict(cand.id, "python", status, int(i % 3 > 0), 1, outcomes,
                          against="pool:x", task_id=task.id)  # fmt: skip
        sample = Sample(task.id, cand.id, "code", task.prompt, cand.text, strategy="all")
        tables = {"tasks": [task], "candidates": [cand], "verdicts": [verdict], "samples": [sample]}
        out.append(store.prepare(f"gen/{run_id}/{task.id}", tables, run_id=run_id))
    return out


def _dataset(root: Path, folders: int = 8, per: int = 3) -> Store:
    """`folders` folders of `per` commits each, then the same tasks again under another run
    (repeats the raw views keep)."""
    store = Store(root)
    for f in range(folders):
        store.write_many(_commits(store, f * per, (f + 1) * per))
    store.write_many(_commits(store, 0, per, run_id="r2"))
    return store


def _read(root: Path, views: list[str]) -> dict[str, list[str]]:
    with reading(root) as con:
        return {v: sorted(map(repr, con.sql(f"SELECT * FROM {v}").fetchall())) for v in views}


def _rows(root: Path) -> dict[str, list[str]]:
    """Every table's raw rows (repeats included), sorted: the dataset's content."""
    return _read(root, [f"raw_{t}" for t in TABLES])


def _views(root: Path) -> dict[str, list[str]]:
    return _read(root, list(VIEWS))


def test_compaction_keeps_every_row_and_key(tmp_path: Path) -> None:
    store = _dataset(tmp_path / "ds")
    rows, keys = _rows(store.root), store.keys()
    report = compact(store.root, row_group_bytes=2000)
    assert (report.folders_before, report.folders_after, report.replaced) == (9, 1, 9)
    assert report.files_before == 36 and report.files_after == 4
    assert [p.name for p in store.commits.iterdir()] == list(report.written)
    assert _rows(store.root) == rows
    assert store.keys() == keys == Store(store.root).keys()
    assert all(store.has(k) and Store(store.root).has(k) for k in keys)
    again = store.write_many(_commits(store, 0, 3))  # keys now held by the compacted folder
    assert again == [False] * 3 and _rows(store.root) == rows
    manifest = store.manifests()[0]
    assert len(manifest["replaces"]) == 9 and manifest["tables"]["tasks"] == 27
    assert compact(store.root).written == ()  # nothing small left to merge


def test_views_read_compacted_and_uncompacted_data_alike(tmp_path: Path) -> None:
    store = _dataset(tmp_path / "a", folders=4)
    shutil.copytree(store.root, tmp_path / "b")
    plain = Store(tmp_path / "b")
    compact(store.root)
    later = _commits(store, 100, 106)  # the same prepared rows (same times) into both
    for s in (store, plain):
        s.write_many(later[:3])
        s.write_many(later[3:])
    assert _views(store.root) == _views(plain.root)
    assert compact(store.root).replaced == 3  # the compacted folder is small: merged again
    assert _views(store.root) == _views(plain.root)
    assert len(snapshot(store.commits).folders) == 1


def test_live_set_never_both_never_neither() -> None:
    assert live({"a", "b", "c"}, {}) == {"a", "b", "c"}
    assert live({"a", "b", "compact-1"}, {"compact-1": ["a", "b"]}) == {"compact-1"}
    assert live({"a"}, {"compact-1": ["a", "b"]}) == {"a"}  # not published yet: old ones read
    chain = {"compact-1": ["a", "b"], "compact-2": ["compact-1", "c"]}
    assert live({"a", "compact-1", "compact-2", "d"}, chain) == {"compact-2", "d"}


def test_a_listing_racing_a_compaction_is_taken_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _dataset(tmp_path / "ds", folders=2)
    before = sorted(snapshot(store.commits).folders)
    compact(store.root)
    after = sorted(snapshot(store.commits).folders)
    # A directory read during the compaction: the new folder not yet seen, one old one gone.
    torn = iter([{before[0]}, set(after)])
    real = snapshot_mod.listing
    monkeypatch.setattr(snapshot_mod, "listing", lambda c: next(torn, None) or real(c))
    assert sorted(snapshot(store.commits).folders) == after


_KILLED = textwrap.dedent(
    """
    import os, signal, sys
    from assay.schemas import compact as c

    root, point = sys.argv[1], sys.argv[2]
    die = lambda: os.kill(os.getpid(), signal.SIGKILL)
    if point == "merging":
        real_merge, seen = c._merge, []
        def merge(*a):
            seen.append(real_merge(*a))
            if len(seen) == 2:
                die()
            return seen[-1]
        c._merge = merge
    elif point == "removing":
        real_remove = c.remove
        c.remove = lambda commits, staging, names: (real_remove(commits, staging, names[:1]), die())
    else:
        c._step = lambda name: die() if name == point else None
    c.compact(root, target_bytes=int(sys.argv[3]))
    """
)


@pytest.mark.parametrize("point", ["merging", "staged", "published", "removing", "removed"])
def test_a_kill_at_any_step_loses_nothing(tmp_path: Path, point: str) -> None:
    store = _dataset(tmp_path / "ds")
    rows, keys = _rows(store.root), store.keys()
    group = sum(f.stat().st_size for f in store.commits.glob("*/*.parquet")) // 2
    proc = subprocess.run([sys.executable, "-c", _KILLED, str(store.root), point, str(group)])
    assert proc.returncode == -9  # killed in the first group of two or three
    assert _rows(store.root) == rows
    assert Store(store.root).keys() == keys  # opening the store removes what the kill left
    assert not list(store.staging.iterdir())
    assert len(list(store.commits.iterdir())) == len(snapshot(store.commits).folders)
    compact(store.root, target_bytes=group)  # a rerun finishes the job
    assert _rows(store.root) == rows and Store(store.root).keys() == keys
    assert len(list(store.commits.iterdir())) <= 3


def test_one_compaction_at_a_time(tmp_path: Path) -> None:
    store = _dataset(tmp_path / "ds")
    with compact_mod._locked(store.root / LOCK), pytest.raises(CompactionBusy, match=LOCK):
        compact(store.root)
    with compact_mod._locked(store.root / LOCK):
        assert compact_if_worthwhile(store.root, min_folders=2) is None
    assert compact_if_worthwhile(store.root, min_folders=10) is None  # 9 folders: not worth it
    report = compact_if_worthwhile(store.root, min_folders=9)
    assert report is not None and report.folders_after == 1


def test_cli_compact(tmp_path: Path) -> None:
    store = _dataset(tmp_path / "ds")
    runner = CliRunner()
    done = runner.invoke(app, ["compact", "--dataset", str(store.root)])
    assert done.exit_code == 0, done.output
    assert "folders 9 -> 1, files 36 -> 4" in done.output
    missing = runner.invoke(app, ["compact", "--dataset", str(tmp_path / "nope")])
    assert missing.exit_code == 2 and "nope is not a dataset" in missing.output
    assert not (tmp_path / "nope").exists()
    with compact_mod._locked(store.root / LOCK):
        busy = runner.invoke(app, ["compact", "-d", str(store.root)])
    assert busy.exit_code == 1 and "another compaction" in busy.output
