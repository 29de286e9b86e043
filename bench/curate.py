"""Curation cost: MinHash signatures and LSH on synthetic code rows, and a curation pass beside
the replay run that made its dataset.

1. `--rows N` (default 100,000) synthetic Python functions (varied names, loops, constants; a
   tenth are near copies with a renamed local) go through near dedup's steps: the near form
   (names renamed in order of use), shingles and MinHash signatures (rensa), then the LSH index,
   pair confirmation and components. Rows/s are printed per wall second and per CPU second of
   this process (all its threads): the per-core rate.
2. Unless `--no-run`: the code flow on `--tasks` HumanEval-derived tasks with the replay
   generator (`bench/pipeline.py`'s set-up, on a local Ray), then a curation pass over its
   dataset; the pass's time is printed as a share of the run's.

    uv run python bench/curate.py                 # 100,000 rows, then 500 tasks
    uv run python bench/curate.py --rows 20000 --no-run

Last lines: `signature_rows_per_cpu_s=X` and `curate_share_of_run=Y`.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import assay.flows  # noqa: F401  (Ray's uv hook off before this script imports Ray)

sys.path.insert(0, str(Path(__file__).resolve().parent))

NAMES = ["total", "count", "value", "items", "result", "index", "acc", "data", "key", "node"]


WORDS = [
    "list",
    "string",
    "number",
    "count",
    "sum",
    "maximum",
    "minimum",
    "sorted",
    "unique",
    "prefix",
    "suffix",
    "window",
    "pair",
    "even",
    "odd",
    "prime",
    "digit",
    "vowel",
    "word",
    "line",
    "matrix",
    "row",
    "column",
    "path",
    "node",
    "tree",
    "graph",
    "edge",
]
BUILTINS = ["len", "sum", "max", "min", "sorted", "abs", "str", "int", "set", "enumerate"]


def synthetic(k: int) -> str:
    """A plausible small task and solution: a docstring of random words and a body of random
    statements; every tenth row is its predecessor with a local renamed (a planted copy)."""
    rng = random.Random(k - (k % 10 == 9))
    v = [f"{rng.choice(NAMES)}_{rng.randint(0, 99)}" for _ in range(5)]
    doc = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 20)))
    lines = [f"def f_{k // 10}({v[0]}, {v[1]}):", f'    """{doc}."""', f"    {v[2]} = []"]
    for _ in range(rng.randint(2, 6)):
        call, other = rng.choice(BUILTINS), rng.choice(BUILTINS)
        kind = rng.randrange(4)
        if kind == 0:
            lines.append(f"    for {v[3]} in {call}({v[0]}):")
            lines.append(f"        {v[2]}.append({other}({v[3]}) + {rng.randint(0, 99)})")
        elif kind == 1:
            lines.append(f"    if {call}({v[0]}) {rng.choice(['>', '<', '=='])} {v[1]}:")
            lines.append(f"        return {other}({v[2]})")
        elif kind == 2:
            lines.append(f"    {v[4]} = {call}({v[2]} or [{rng.randint(0, 9)}])")
        else:
            lines.append(f"    while {v[1]} > {rng.randint(0, 9)}:")
            lines.append(f"        {v[1]} -= {rng.randint(1, 5)}")
    lines.append(f"    return {v[2]}")
    text = "\n".join(lines) + "\n"
    return text.replace(v[2], "renamed") if k % 10 == 9 else text


def bench_rows(n: int) -> float:
    from assay.flows.curate.config import NearDedupConfig
    from assay.flows.curate.near import clusters, signatures
    from assay.flows.curate.normalize import near_form

    config = NearDedupConfig()
    rows = [synthetic(k) for k in range(n)]
    print(f"{n:,} synthetic rows, {sum(map(len, rows)) / n:.0f} characters each on average")
    wall, cpu = time.perf_counter(), time.process_time()
    texts = [near_form("code", r) for r in rows]
    signatures(texts, config)
    sig_wall, sig_cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"near form + shingles + signatures: {sig_wall:.1f}s wall, {sig_cpu:.1f}s CPU: "
          f"{n / sig_wall:,.0f} rows/s, {n / sig_cpu:,.0f} rows per CPU second")  # fmt: skip
    wall, cpu = time.perf_counter(), time.process_time()
    roots, _ = clusters(texts, config)
    all_wall, all_cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"signatures + LSH + pairs + components: {all_wall:.1f}s wall, {all_cpu:.1f}s CPU: "
          f"{n / all_wall:,.0f} rows/s; {n - len(set(roots)):,} near duplicates found "
          f"({n // 10:,} planted)")  # fmt: skip
    return n / sig_cpu


def bench_run(tasks: int, delay: float) -> float:
    import ray
    from pipeline import HUMANEVAL, config, make_inputs, run_pipeline

    from assay.flows.curate import curate_dataset

    if not HUMANEVAL.is_file():
        print(f"skipping the run: {HUMANEVAL} (the shared benchmarks) is absent")
        return float("nan")
    args = argparse.Namespace(delay=delay, batch_size=0, check_chunk=0)
    with tempfile.TemporaryDirectory(prefix="assay-bench-") as tmp:
        folder = Path(tmp)
        tasks_path, answers, _ = make_inputs(folder, tasks)
        ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
        try:
            cfg = config(folder, tasks_path, answers, args, 1)
            run_s, _ = run_pipeline(cfg)
        finally:
            ray.shutdown()
        started = time.perf_counter()
        report = curate_dataset(cfg.dataset, cfg.curate, cfg.id)
        curate_s = time.perf_counter() - started
    print(f"replay run of {tasks} tasks: {run_s:.1f}s; curation pass over its "
          f"{report['samples']} samples: {curate_s:.2f}s")  # fmt: skip
    return curate_s / run_s


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--tasks", type=int, default=500)
    parser.add_argument("--delay", type=float, default=0.2, help="seconds per generator call")
    parser.add_argument("--no-run", action="store_true", help="only the synthetic rows")
    args = parser.parse_args()
    per_cpu = bench_rows(args.rows)
    share = float("nan") if args.no_run else bench_run(args.tasks, args.delay)
    print(f"signature_rows_per_cpu_s={per_cpu:.0f}")
    print(f"curate_share_of_run={share:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
