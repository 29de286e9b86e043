"""Every reader of a dataset reads it whole while a compaction removes the folders under it: a
query, a resumed run's reload, a curation pass and a release's source, each with a compaction
run at the worst moment (after the reader took its snapshot, before and while it reads)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assay.flows import reload
from assay.flows.curate import CurateConfig, curate_dataset
from assay.flows.release.source import open_source
from assay.schemas import held as held_mod
from assay.schemas import query as query_mod
from assay.schemas.compact import compact
from assay.schemas.held import held
from assay.schemas.query import query, reading
from assay.schemas.records import Candidate, Outcome, Role, Sample, Status, Task, Verdict
from assay.schemas.snapshot import snapshot
from assay.schemas.store import Store


def _dataset(root: Path, folders: int = 6, per: int = 3) -> Store:
    """`folders` commit folders of `per` tasks each (a task, two solvers, a verdict each and a
    sample), all of run r1; then each folder's tasks again as run r2."""
    store = Store(root)
    for run_id in ("r1", "r2"):
        for f in range(folders):
            commits = []
            for i in range(f * per, (f + 1) * per):
                task = Task("code", "seed", f"t{i}", f"Write f{i}.", tests=(f"assert f({i})",))
                sols = [Candidate(task.id, Role.SOLVER, f"def f(x): return {i} + {k}")
                        for k in range(2)]  # fmt: skip
                verdicts = [Verdict(c.id, "python", Status.PASS, 1, 1,
                                    (Outcome(task.tests[0], Status.PASS),), task_id=task.id)
                            for c in sols]  # fmt: skip
                sample = Sample(task.id, sols[0].id, "code", task.prompt, sols[0].text)
                tables = {"tasks": [task], "candidates": sols, "verdicts": verdicts,
                          "samples": [sample]}  # fmt: skip
                commits.append(store.prepare(f"gen/{run_id}/{task.id}", tables, run_id=run_id))
            store.write_many(commits)
    return store


def _compact_after(monkeypatch: pytest.MonkeyPatch, module: object, name: str, root: Path) -> list:
    """Make `module.name` (a function) run a compaction of `root` right after its first call
    returns; the calls are recorded."""
    real, calls = getattr(module, name), []

    def then_compact(*args):
        out = real(*args)
        if not calls:
            assert compact(root).replaced > 0  # removes every folder the caller is to read
        calls.append(args)
        return out

    monkeypatch.setattr(module, name, then_compact)
    return calls


def _families(root: Path) -> list[tuple[str, dict[str, list[str]]]]:
    return [(family, {t: sorted(r.id for r in rows) for t, rows in tables.items()})
            for family, tables in reload.families(root, "r1")]  # fmt: skip


def test_a_query_whose_files_a_compaction_removes_reads_them_still(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _dataset(tmp_path / "ds")
    sql = "SELECT * FROM raw_verdicts ORDER BY id, run_id"
    rows = query(store.root, sql).to_pylist()
    calls = _compact_after(monkeypatch, query_mod, "_connect", store.root)
    assert query(store.root, sql).to_pylist() == rows
    assert len(calls) == 1  # read from the snapshot it took, not started again
    assert len(snapshot(store.commits).folders) == 1


def test_a_snapshot_a_compaction_removes_before_it_is_held_is_taken_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _dataset(tmp_path / "ds")
    sql = "SELECT * FROM raw_samples ORDER BY id, run_id"
    rows = query(store.root, sql).to_pylist()
    calls = _compact_after(monkeypatch, held_mod, "snapshot", store.root)
    with reading(store.root) as con:
        assert con.sql(sql).to_arrow_table().to_pylist() == rows
    assert len(calls) == 2  # the first snapshot named folders gone before they were opened


def test_a_held_snapshot_reads_removed_files_and_lets_them_go(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    store = _dataset(tmp_path / "ds", folders=2)
    with held(store.commits) as snap:
        assert len(snap.held) == 2 * 2 * 4  # two runs' folders, four tables each
        rows = {p: pq.read_table(p).num_rows for p in snap.held}
        inodes = {fd: fd.stat().st_ino for fd in snap.held.values()}
        compact(store.root)
        assert not any(p.exists() for p in snap.held)  # removed, still readable:
        assert {p: pq.read_table(fd).num_rows for p, fd in snap.held.items()} == rows
    for fd, inode in inodes.items():  # closed once the block ends (or the number reused)
        assert not fd.exists() or fd.stat().st_ino != inode


def test_a_reload_during_a_compaction_yields_every_family_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _dataset(tmp_path / "ds")
    expected = _families(store.root)
    assert len(expected) == 18 and all(len(t["candidates"]) == 2 for _, t in expected)
    calls = _compact_after(monkeypatch, query_mod, "_connect", store.root)
    assert _families(store.root) == expected
    assert calls  # a compaction ran between the snapshot and the reads


def test_a_reload_compacted_mid_stream_yields_every_family_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _dataset(tmp_path / "ds")
    expected = _families(store.root)
    monkeypatch.setattr(reload, "BATCH_ROWS", 1)
    got, stream = [], reload.families(store.root, "r1")
    for family, tables in stream:
        if not got:
            compact(store.root)  # every folder the stream reads is removed under it
        got.append((family, {t: sorted(r.id for r in rows) for t, rows in tables.items()}))
    assert got == expected


def test_a_curation_pass_during_a_compaction_decides_as_without(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _dataset(tmp_path / "ds")
    shutil.copytree(store.root, tmp_path / "plain")
    plain = curate_dataset(tmp_path / "plain", CurateConfig())
    calls = _compact_after(monkeypatch, query_mod, "_connect", store.root)
    report = curate_dataset(store.root, CurateConfig())
    assert calls and report["committed"] and report["decisions"] == plain["decisions"]
    sql = "SELECT sample_id, decision, reason FROM curation ORDER BY sample_id"
    assert query(store.root, sql) == query(tmp_path / "plain", sql)


def test_a_release_source_reads_through_a_compaction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _dataset(tmp_path / "ds")
    expected = query(store.root, "SELECT id FROM samples ORDER BY id").to_pylist()
    _compact_after(monkeypatch, query_mod, "_connect", store.root)
    source = open_source(store.root)
    try:
        assert source.rows(f"SELECT id FROM {source.table} ORDER BY id") == expected
    finally:
        source.close()


_LIMITED = """
import resource, sys
from assay.schemas.query import query
resource.setrlimit(resource.RLIMIT_NOFILE, (int(sys.argv[2]), int(sys.argv[3])))
try:
    print(query(sys.argv[1], "SELECT count(*) AS n FROM raw_tasks").to_pylist()[0]["n"])
except OSError as exc:
    print(exc)
"""


def test_a_dataset_of_more_files_than_the_process_may_open_says_to_compact(
    tmp_path: Path,
) -> None:
    """Each reader holds one descriptor per file: a soft limit too low is raised; past the hard
    limit, the reader says what to do."""
    store = _dataset(tmp_path / "ds")
    files = len(snapshot(store.commits).paths())
    assert files == 48

    def read(soft: int, hard: int) -> str:
        argv = [sys.executable, "-c", _LIMITED, str(store.root), str(soft), str(hard)]
        return subprocess.run(argv, capture_output=True, text=True, check=True).stdout

    assert read(40, 4096) == "36\n"  # 18 tasks, each committed by two runs
    refused = read(40, 40)
    assert "48 files open" in refused and "run `assay compact`" in refused
    compact(store.root)  # 4 files
    assert read(40, 40) == "36\n"
