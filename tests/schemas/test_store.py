"""The store for real: Parquet on a tmp dir, SIGKILLed writers, two processes racing on a key."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from assay.schemas.query import query, read_records
from assay.schemas.records import Outcome, Run, Status, Task, Verdict
from assay.schemas.store import MANIFEST, Store, key_dir
from assay.schemas.tables import SCHEMA_VERSION, SCHEMAS

# A writer that stages a commit, says where, then stops before publishing until told to go on
# (the file argv[3] appears) or forever; the test kills it or releases it.
_WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from assay.schemas.records import Task
    from assay.schemas.store import Store

    root, key, go = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    real_publish = Store._publish

    def paused(self, staged, target):
        print("staged", staged, flush=True)
        while not go.exists():
            time.sleep(0.01)
        return real_publish(self, staged, target)

    Store._publish = paused
    task = Task("code", "seed", "race", "same content from both writers")
    print("result", Store(root).commit(key, {"tasks": [task]}, run_id="r"), flush=True)
    """
)


def _writer(root: Path, key: str, go: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(root), key, str(go)],
        stdout=subprocess.PIPE,
        text=True,
    )


def _staged(proc: subprocess.Popen) -> Path:
    line = proc.stdout.readline().split()  # blocks until the child has staged
    assert line[:1] == ["staged"], f"writer said {line!r}"
    return Path(line[1])


def test_round_trip_every_table(tmp_path: Path, records: dict[str, list]) -> None:
    store = Store(tmp_path / "ds")
    assert store.commit("all", records, run_id="run-1") is True
    for table, originals in records.items():
        back = read_records(store.root, table)
        assert sorted(back, key=lambda r: r.id) == sorted(originals, key=lambda r: r.id)
        written = pq.read_schema(store.commits / key_dir("all") / f"{table}.parquet")
        assert written.equals(SCHEMAS[table])  # the declared schema, never an inferred one
        assert written.metadata[b"assay.schema_version"] == SCHEMA_VERSION.encode()
        assert written.metadata[b"assay.table"] == table.encode()


def test_recommit_is_a_noop(tmp_path: Path, records: dict[str, list]) -> None:
    store = Store(tmp_path / "ds")
    assert store.commit("stage:gen:t1", {"tasks": records["tasks"]}) is True
    assert store.commit("stage:gen:t1", {"tasks": records["tasks"] * 2}) is False
    assert store.has("stage:gen:t1") and not store.has("stage:gen:t2")
    assert store.keys() == ["stage:gen:t1"]
    assert len(list(store.commits.iterdir())) == 1
    assert store.manifests()[0]["tables"] == {"tasks": 1}
    assert store.commit("empty marks a stage done", {}) is True
    assert store.has("empty marks a stage done")


def test_bad_status_is_refused_and_nothing_written(tmp_path: Path) -> None:
    store = Store(tmp_path / "ds")
    bad = Verdict("c1", "python", "passed")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"verdict status 'passed' is not one of .*pass"):
        store.commit("k", {"verdicts": [bad]})
    odd = Verdict("c1", "python", Status.FAIL, outcomes=(Outcome("t", "ok"),))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="outcome status 'ok'"):
        store.commit("k", {"verdicts": [odd]})
    with pytest.raises(ValueError, match=r"write datetime\.isoformat"):
        store.commit("k", {"runs": [Run({}, "yesterday")]})
    with pytest.raises(TypeError, match="put it under 'verdicts'"):
        store.commit("k", {"tasks": [Verdict("c1", "python", Status.PASS)]})
    with pytest.raises(KeyError, match="unknown table 'pool'"):
        store.commit("k", {"pool": []})
    assert not store.has("k") and store.keys() == []


def test_staging_lives_outside_the_root(tmp_path: Path) -> None:
    store = Store(tmp_path / "ds")
    assert store.staging == tmp_path / ".ds.staging"
    assert not store.staging.is_relative_to(store.root)


def test_killed_writer_leaves_nothing_visible(tmp_path: Path) -> None:
    root = tmp_path / "ds"
    Store(root)
    proc = _writer(root, "k", tmp_path / "never")
    try:
        staged = _staged(proc)
        assert staged.is_relative_to(tmp_path / ".ds.staging")
        assert {p.name for p in staged.iterdir()} == {"tasks.parquet", MANIFEST}
        Store(root)  # opening while the writer lives must not take its staging
        assert staged.exists()
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert query(root, "SELECT count(*) AS n FROM tasks")["n"][0].as_py() == 0
    store = Store(root)  # reopen after the crash
    assert list(store.staging.iterdir()) == []
    assert not store.has("k")
    task = Task("code", "seed", "after", "a commit after the crash")
    assert store.commit("k", {"tasks": [task]}) is True
    assert [t.name for t in read_records(root, "tasks")] == ["after"]


def test_two_writers_racing_on_one_key_publish_once(tmp_path: Path) -> None:
    root, go = tmp_path / "ds", tmp_path / "go"
    Store(root)
    procs = [_writer(root, "same", go) for _ in range(2)]
    try:
        for proc in procs:
            _staged(proc)  # both are past the "already published?" check
        go.touch()
        results = sorted(proc.communicate(timeout=30)[0].split()[-1] for proc in procs)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    assert results == ["False", "True"]
    assert len(list((root / "commits").iterdir())) == 1
    assert query(root, "SELECT count(*) AS n FROM raw_tasks")["n"][0].as_py() == 1
    assert list(Store(root).staging.iterdir()) == []


def test_commit_is_fast_enough_for_one_per_task(tmp_path: Path, records: dict[str, list]) -> None:
    store = Store(tmp_path / "ds")
    start = time.perf_counter()
    for i in range(20):
        store.commit(f"k{i}", records, run_id="r")
    assert time.perf_counter() - start < 10  # generous: 2 shared cores, fsync on every commit
