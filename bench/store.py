"""The dataset store at a million samples: query times before and after `assay compact`.

Writes `--samples N` synthetic code tasks, each with one solver candidate, its verdict against
the task's test pool and a sample, through the real store API: one commit per task (`prepare`)
and `Store.write_many` of 256 commits per folder, as a run's writer groups them
(`schemas/writer.py`). Verdict statuses vary by task (about 45% pass). Then it times typical
queries through `assay.schemas.query.reading` (connecting counted apart), compacts the dataset
and times them again.

    uv run python bench/store.py                     # 1,000,000 samples
    uv run python bench/store.py --samples 100000 --keep /tmp/store-bench

Writing uses `--procs` processes (default: every core), each a `Store` on the same root, as
concurrent writers do. `--keep DIR` writes the dataset there (reused if already written) and
leaves it; otherwise a temporary folder is removed at the end.
"""

from __future__ import annotations

import argparse
import dataclasses
import multiprocessing
import os
import shutil
import tempfile
import time
from pathlib import Path

BATCH = 256  # commits per folder, as `schemas.writer.BATCH`
STATUSES = ("pass", "pass", "pass", "pass", "fail", "fail", "fail", "timeout", "error")
TESTS = 3
QUERIES = {
    "count(*) samples": "SELECT count(*) FROM samples",
    "pass rate per task (verdicts)": (
        "SELECT task_id, avg((status = 'pass')::INT) AS pass_rate FROM verdicts "
        "GROUP BY task_id ORDER BY pass_rate DESC, task_id LIMIT 10"
    ),
    "pass_rates view": "SELECT count(*), avg(pass_rate) FROM pass_rates",
    "samples join tasks": (
        "SELECT t.source, s.level, count(*) AS n, avg(s.score) AS score FROM samples s "
        "JOIN tasks t ON t.id = s.task_id GROUP BY ALL ORDER BY ALL"
    ),
    "matrix of one task": "SELECT * FROM matrix WHERE task_id = $task",
}


def _make(cls: type, *args: object, **optional: object) -> object:
    """A record, passing only the optional fields its class has (the schema grows)."""
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(*args, **{k: v for k, v in optional.items() if k in names})


def commits(first: int, last: int, run_id: str) -> list:
    """The (key, tables) of tasks `first`..`last-1`: a task, a solver, a verdict, a sample."""
    from assay.schemas.records import Candidate, Outcome, Role, Sample, Status, Task, Verdict

    out = []
    for i in range(first, last):
        tests = tuple(f"assert f_{i}({k}) == {k * i}" for k in range(TESTS))
        task = Task("code", "bench", f"task-{i}", f"Write f_{i}(x) returning x times {i}.\n" * 3,
                    f"f_{i}", f"def f_{i}(x):\n    return x * {i}\n", tests)  # fmt: skip
        status = STATUSES[(i * 7919) % len(STATUSES)]
        code = f"def f_{i}(x):\n    return x * {i if status == 'pass' else i + 1}\n"
        cand = Candidate(task.id, Role.SOLVER, code, "qwen-0.5b", {"temperature": 0.8, "seed": i},
                         raw=f"```python\n{code}```")  # fmt: skip
        outcomes = tuple(
            Outcome(t, Status(status) if k else Status.PASS) for k, t in enumerate(tests)
        )
        verdict = _make(Verdict, cand.id, "python", Status(status),
                        sum(o.status is Status.PASS for o in outcomes), TESTS, outcomes,
                        duration_s=0.01 * (i % 50), isolation="process", against="pool:3f2a9c",
                        task_id=task.id, tier="tests", verifier_version=1)  # fmt: skip
        sample = _make(Sample, task.id, cand.id, "code", task.prompt, code, tests, "all",
                       1.0 if status == "pass" else 0.0, (verdict.id,), run_id,
                       level="trusted_tests")  # fmt: skip
        tables = {"tasks": [task], "candidates": [cand], "verdicts": [verdict], "samples": [sample]}
        out.append((f"bench/{run_id}/{task.id}/0", tables))
    return out


def write_range(root: str, first: int, last: int, run_id: str) -> int:
    """Publish tasks `first`..`last-1` in folders of `BATCH` commits; the folders written."""
    from assay.schemas.store import Store

    store = Store(root)
    folders = 0
    for start in range(first, last, BATCH):
        batch = commits(start, min(start + BATCH, last), run_id)
        store.write_many([store.prepare(k, t, run_id=run_id) for k, t in batch])
        folders += 1
    return folders


def write(root: Path, n: int, procs: int) -> None:
    chunk = 16 * BATCH
    spans = [(str(root), a, min(a + chunk, n), "bench-run") for a in range(0, n, chunk)]
    started, done = time.monotonic(), 0
    with multiprocessing.get_context("spawn").Pool(procs) as pool:
        for folders in pool.imap_unordered(_write_span, spans):
            done += folders
            rate = min(done * BATCH, n) / (time.monotonic() - started)
            print(f"\r  wrote {min(done * BATCH, n):>9,} tasks, {rate:,.0f}/s", end="", flush=True)
    print(f"\n  {n:,} tasks in {time.monotonic() - started:.1f} s")


def _write_span(span: tuple[str, int, int, str]) -> int:
    return write_range(*span)


def layout(root: Path) -> str:
    from assay.schemas.snapshot import snapshot

    snap = snapshot(root / "commits")
    files = [root / "commits" / n / f"{t}.parquet" for n, ts in snap.folders.items() for t in ts]
    size = sum(f.stat().st_size for f in files)
    return f"{len(snap.folders):,} folders, {len(files):,} files, {size / 1e6:,.1f} MB"


def time_queries(root: Path, task_id: str) -> dict[str, float]:
    from assay.schemas.query import reading

    times = {}
    started = time.monotonic()
    with reading(root) as con:
        times["connect"] = time.monotonic() - started
        for name, sql in QUERIES.items():
            started = time.monotonic()
            con.execute(sql, {"task": task_id} if "$task" in sql else None).fetchall()
            times[name] = time.monotonic() - started
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="write the dataset here and leave it")
    parser.add_argument("--procs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    from assay.schemas.compact import compact

    folder = args.keep or Path(tempfile.mkdtemp(prefix="assay-store-bench-"))
    root = folder / "dataset"
    try:
        if not (root / "commits").is_dir():
            print(f"writing {args.samples:,} samples to {root} ({args.procs} processes)")
            write(root, args.samples, args.procs)
        middle = args.samples // 2
        task_id = commits(middle, middle + 1, "")[0][1]["tasks"][0].id
        rows = []
        for when in ("before", "after"):
            if when == "after":
                report = compact(root)
                print(f"compact: {report.seconds:.1f} s, {report.replaced:,} folders replaced")
            print(f"{when} compaction: {layout(root)}")
            rows.append(time_queries(root, task_id))
            for name, seconds in rows[-1].items():
                print(f"  {name:32} {seconds:8.3f} s")
        print("\n| query | before (s) | after (s) |\n| --- | --- | --- |")
        for name in rows[0]:
            print(f"| {name} | {rows[0][name]:.3f} | {rows[1][name]:.3f} |")
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
