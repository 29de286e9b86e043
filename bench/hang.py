"""What a stopped generator replica costs a run: the same code run over 164 tasks (HumanEval
from ../shared/benchmarks, else the bundled seeds repeated) twice on one local Ray, with the
replay backend standing in for a model (a fixed wait per call, as a GPU batch costs): once
uninterrupted, once with one of its replicas stopped (SIGSTOP) 5 s after it started and
`generator.call_timeout_s` = 20, so the lane kills and replaces it after 20 s without an
answer and sends its prompts again. Both runs must commit the same rows.

    uv run python bench/hang.py [--tasks 164] [--replicas 2] [--timeout 20] [--stop-at 5]
    ... last line: stopped_s=S uninterrupted_s=U ratio=S/U
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from assay.flows.config import RunConfig, load_config
from assay.flows.domains import get
from assay.flows.engine.compute import Compute
from assay.flows.engine.rounds import run_programs
from assay.flows.progress import Progress
from assay.flows.sources import load_tasks
from assay.schemas.query import query

ROOT = Path(__file__).resolve().parents[1]
HUMANEVAL = ROOT / ".." / "shared" / "benchmarks" / "humaneval" / "HumanEval.jsonl.gz"
SEEDS = ROOT / "flows" / "seeds" / "code.jsonl"


def task_file(folder: Path, n: int) -> tuple[Path, str]:
    """HumanEval (its first `n`), else the seeds renamed and repeated to `n` tasks."""
    if HUMANEVAL.is_file():
        return HUMANEVAL.resolve(), "humaneval"
    seeds = [json.loads(line) for line in SEEDS.read_text().splitlines() if line.strip()]
    out = folder / "tasks.jsonl"
    with out.open("w") as fh:
        for i in range(n):
            seed = dict(seeds[i % len(seeds)])
            seed["name"] = f"{seed['name']}_{i}"
            seed["prompt"] = f"# copy {i}\n{seed['prompt']}"
            fh.write(json.dumps(seed) + "\n")
    return out, "assay"


def config(folder: Path, args: argparse.Namespace, stop: bool) -> RunConfig:
    path, format_ = task_file(folder, args.tasks)
    base = load_config(None, [
        f"dataset={folder / ('stopped' if stop else 'whole')}",
        f"tasks=[{{file: {path}, format: {format_}, limit: {args.tasks}}}]",
        "solver.n=2", "tester.n=1", "repair={rounds: 0}", f"generator.replicas={args.replicas}",
        "generator.batch_size=16", "generator.num_cpus=0",
        f"generator.call_timeout_s={args.timeout}",
    ])  # fmt: skip
    answers: dict[str, list[str]] = {}
    for t in load_tasks(base):
        answers[f"{t.id}:solver"] = [f"```python\n{t.reference}\n```"]
        answers[f"{t.id}:tester"] = ["```python\n" + "\n".join(t.tests[:3]) + "\n```"]
    options: dict[str, Any] = {"answers": answers, "delay_s": args.delay}
    if stop:
        options.update(stop_at_s=args.stop_at, cue=str(folder / "stopped.cue"))
    generator = base.generator.model_copy(
        update={"backend": "replay-faulty", "model": "replay", "options": options}
    )
    return base.model_copy(update={"generator": generator})


def run(cfg: RunConfig) -> tuple[float, dict[str, Any]]:
    """Seconds from opening the run to its last commit, and the lanes' counters."""
    parts, quiet = get("code").flow(), Progress(quiet=True)
    started = time.perf_counter()
    state = parts.open_state(cfg)
    state.start()
    with Compute.open(cfg, quiet, "python", None, state.limits) as compute:
        compute.ready()
        stats = run_programs(state, parts, compute, quiet)
    state.finish()
    return time.perf_counter() - started, stats


def rows(dataset: Path) -> list[tuple[Any, ...]]:
    got = query(dataset, "SELECT task_id, candidate_id, strategy FROM samples ORDER BY id")
    return [tuple(r.values()) for r in got.to_pylist()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=164)
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=20.0)
    parser.add_argument("--stop-at", type=float, default=5.0)
    parser.add_argument("--delay", type=float, default=0.5, help="seconds per generator call")
    args = parser.parse_args()
    import ray

    ray.init(address="local", include_dashboard=False, log_to_driver=False)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            whole_s, whole = run(config(folder, args, stop=False))
            print(f"uninterrupted: {whole_s:.1f}s, {whole}", flush=True)
            stopped_s, stopped = run(config(folder, args, stop=True))
            print(f"one replica stopped at {args.stop_at:g}s: {stopped_s:.1f}s, {stopped}")
            same = rows(folder / "whole") == rows(folder / "stopped")
            print(f"same samples: {same} ({len(rows(folder / 'whole'))} rows)")
    finally:
        ray.shutdown()
    print(
        f"stopped_s={stopped_s:.1f} uninterrupted_s={whole_s:.1f} ratio={stopped_s / whole_s:.2f}"
    )


if __name__ == "__main__":
    main()
