"""Peak memory of a curation pass: streamed by problem against one that holds a domain's rows.

`--samples N` synthetic code samples (4 per task; prompts of a few hundred characters, small
functions for responses, a tenth of them copies) are committed to a dataset, then curated in a
fresh process two ways: as assay does (`curate_dataset`: problems and near-prompt clusters in
DuckDB, rows decided a batch of problems at a time, one commit written batch by batch) and as a
baseline that reads every row of the domain, decides them at once (`decide` without `problems`)
and writes one commit. Prints each process's peak RSS and time, and the ratio.

    uv run python bench/curate_memory.py                   # 100,000 samples
    uv run python bench/curate_memory.py --samples 20000
    uv run python bench/curate_memory.py --samples 1000000 --no-baseline

Last line: `curate_peak_rss_mb=X (holding the domain: Y MB, Z x)`.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from child import peak_line, run_child

WORDS = ("list", "string", "number", "count", "sum", "value", "index", "key", "node", "tree")


def make_dataset(root: Path, n: int) -> None:
    """`n` samples, 4 per task, committed in chunks of 10,000."""
    from assay.schemas.records import Sample
    from assay.schemas.store import Store

    rng = random.Random(7)
    store = Store(root)
    chunk: list[Sample] = []
    for k in range(n):
        task = k // 4
        words = random.Random(task).choices(WORDS, k=50)
        prompt = f'def f{task}(x):\n    """{" ".join(words)}"""\n'
        body = "x" if rng.random() < 0.1 else f"x * {rng.randint(0, 99)} + {rng.randint(0, 99)}"
        loop = f"    for i in range({k % 7}):\n        y += i\n"
        response = f"def f{task}(x):\n    y = {body}\n{loop}    return y\n"
        chunk.append(Sample(f"t-{task}", f"c-{k}", "code", prompt, response, level="trusted_tests"))
        if len(chunk) == 10_000 or k == n - 1:
            store.write(store.prepare(f"select/{k}", {"samples": chunk}, run_id="bench"))
            chunk = []


def child(dataset: Path, mode: str) -> None:
    from assay.flows.curate import CurateConfig, curate_dataset

    config = CurateConfig()
    started = time.perf_counter()
    if mode == "stream":
        curate_dataset(dataset, config)
    else:
        hold(dataset, config)
    use = resource.getrusage(resource.RUSAGE_SELF)
    print(
        json.dumps({"peak_rss_mb": use.ru_maxrss / 1024, "seconds": time.perf_counter() - started})
    )


def hold(dataset: Path, config) -> None:  # type: ignore[no-untyped-def]
    """The baseline: every row of the domain in memory, decided at once, one commit."""
    from assay.flows.curate.benchmarks import Index, load_items
    from assay.flows.curate.decide import Row, decide
    from assay.flows.curate.run import _INPUTS
    from assay.flows.dataset import reading
    from assay.schemas.store import Store

    sql = """SELECT i.id, i.task_id, i.domain, s.prompt, s.response, i.level, i.checks,
             i.attempts, i.passes FROM _inputs i JOIN samples s ON s.id = i.id ORDER BY i.id"""
    with reading(dataset) as con:
        con.execute(_INPUTS)
        rows = [Row(*r) for r in con.execute(sql).fetchall()]
    found = config.decontaminate
    index = Index(load_items(found.benchmarks, found.min_chars), found)
    decisions = decide(
        "curate:baseline", rows, config, lambda r: index.match(r.domain, r.prompt, r.response)
    )
    store = Store(dataset)
    store.write(store.prepare("curate/baseline", {"curation": decisions}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--no-baseline", action="store_true", help="only assay's pass")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), args.child[1])
        return 0
    out = {}
    with tempfile.TemporaryDirectory(prefix="assay-bench-") as tmp:
        for mode in ("stream",) if args.no_baseline else ("stream", "hold"):
            dataset = Path(tmp) / mode
            make_dataset(dataset, args.samples)
            out[mode] = got = run_child([sys.executable, __file__, "--child", str(dataset), mode])
            print(f"{mode:6s}: {args.samples} samples curated in {got['seconds']:.0f}s, "
                  f"peak RSS {got['peak_rss_mb']:.0f} MB")  # fmt: skip
    if args.no_baseline:
        print(f"curate_peak_rss_mb={out['stream']['peak_rss_mb']:.0f}")
        return 0
    print(peak_line("curate_peak_rss_mb", out["stream"], out["hold"], "holding the domain"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
