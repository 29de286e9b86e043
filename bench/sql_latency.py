"""`assay sql` start-up: the whole command against a bare DuckDB query on the same files.

Writes a small dataset (`--rows` samples with their tasks and candidates, in `--folders`
commits), then runs, `--repeat` times each, as separate processes:

- bare: `python -c` importing duckdb alone and counting `samples.parquet` rows with
  `read_parquet` over the same files;
- assay: `python -m assay.flows sql "SELECT count(*) FROM samples" --format csv` (what the
  `assay` script runs), so the CLI, the snapshot and the views are counted.

The target is the whole command within 1.0 s on a small dataset.

    uv run python bench/sql_latency.py
    uv run python bench/sql_latency.py --rows 300 --repeat 7

Last line: `sql_vs_bare_duckdb=X` (median over median).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SQL = "SELECT count(*) FROM samples"


def write(root: Path, rows: int, folders: int) -> list[Path]:
    """`rows` samples in `folders` commits; the samples' Parquet files."""
    from assay.schemas.records import Candidate, Role, Sample, Task
    from assay.schemas.store import Store

    store = Store(root)
    for f in range(folders):
        tables: dict[str, list] = {"tasks": [], "candidates": [], "samples": []}
        for i in range(f * rows // folders, (f + 1) * rows // folders):
            task = Task("code", "seed", f"t{i}", f"Write f{i}.")
            cand = Candidate(task.id, Role.SOLVER, f"def f{i}(): return {i}")
            tables["tasks"].append(task)
            tables["candidates"].append(cand)
            tables["samples"].append(Sample(task.id, cand.id, "code", task.prompt, cand.text))
        store.commit(f"bench/{f}", tables)
    return sorted(store.commits.glob("*/samples.parquet"))


def timed(argv: list[str], expect: str) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, check=True)
    took = time.perf_counter() - started
    assert expect in done.stdout, done.stdout
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300)
    parser.add_argument("--folders", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="assay-sql-bench-") as tmp:
        root = Path(tmp) / "dataset"
        files = write(root, args.rows, args.folders)
        listed = ", ".join(f"'{f}'" for f in files)
        bare = [sys.executable, "-c", "import duckdb; print(duckdb.sql(\"SELECT count(*) FROM "
                f"read_parquet([{listed}])\").fetchall()[0][0])"]  # fmt: skip
        ours = [sys.executable, "-m", "assay.flows", "sql", SQL, "-d", str(root), "-f", "csv"]
        times: dict[str, list[float]] = {"bare": [], "assay": []}
        for _ in range(args.repeat):  # interleaved, so a busy moment hits both alike
            times["bare"].append(timed(bare, str(args.rows)))
            times["assay"].append(timed(ours, f"\n{args.rows}\n"))
    print(f"{args.rows} samples in {len(files)} folders, {args.repeat} runs each (wall s)")
    for name, got in times.items():
        print(f"  {name:<6} median {statistics.median(got):.2f}  min {min(got):.2f}  "
              f"max {max(got):.2f}")  # fmt: skip
    ratio = statistics.median(times["assay"]) / statistics.median(times["bare"])
    print(f"sql_vs_bare_duckdb={ratio:.2f}")


if __name__ == "__main__":
    main()
