"""The driver's peak memory over a long replay run: streaming state against holding every row.

`--tasks N` small code tasks (each its own function and one trusted test) go through the code
flow on a local Ray with a replay generator (each task's right solution, one check per task, no
delay), twice, each in a fresh process: as assay runs (a finished task's rows are released, so the
driver holds only the tasks open at once) and as a baseline that keeps every row of the run
(`RunState.release` that tallies but forgets nothing, as the driver did before). Prints each
process's peak RSS and the ratio.

    uv run python bench/driver_memory.py                 # 100,000 tasks
    uv run python bench/driver_memory.py --tasks 5000
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import assay.flows  # noqa: F401  (Ray's uv hook off before this script imports Ray)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from child import peak_line, run_child


def make_inputs(folder: Path, n: int) -> tuple[Path, Path]:
    """A task file of `n` one-line tasks and the replay answers for them."""
    from assay.flows.sources import load_assay_file

    tasks_path, answers_path = folder / "tasks.jsonl", folder / "answers.jsonl"
    with tasks_path.open("w") as fh:
        for k in range(n):
            ref = f"def f{k}(x):\n    return x + {k}\n"
            line = {"name": f"f{k}", "prompt": f"Write f{k}(x), x plus {k}.",
                    "entry_point": f"f{k}", "reference": ref,
                    "tests": [f"assert f{k}(1) == {k + 1}"]}  # fmt: skip
            fh.write(json.dumps(line) + "\n")
    with answers_path.open("w") as fh:
        for t in load_assay_file(tasks_path, "code"):
            wrong = f"def {t.entry_point}(x):\n    return x\n"
            texts = [f"```python\n{t.reference}```", f"```python\n{wrong}```"]
            fh.write(json.dumps({"key": f"{t.id}:solver", "texts": texts}) + "\n")
    return tasks_path, answers_path


def child(folder: Path, tasks: Path, answers: Path, hold: bool) -> None:
    """One run in this process; prints a JSON line with its peak RSS and counts."""
    import ray

    from assay.flows.config import load_config
    from assay.flows.domains import get
    from assay.flows.engine.compute import Compute
    from assay.flows.engine.rounds import run_programs
    from assay.flows.progress import Progress
    from assay.flows.state import RunState

    if hold:  # the baseline: every row stays in memory, as before rows were released
        RunState.release = lambda self, root: None  # type: ignore[method-assign]
    cfg = load_config(None, [
        f"dataset={folder / ('held' if hold else 'streamed')}", f"tasks=[{{file: {tasks}}}]",
        "generator.backend=replay", "generator.model=replay", "generator.num_cpus=0",
        f"generator.options={{answers: {answers}}}", "solver.n=1", "tester.n=0",
        "repair.rounds=0", "store.compact=false",
    ])  # fmt: skip
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    started = time.perf_counter()
    parts = get("code").flow()
    state = parts.open_state(cfg)
    with Compute.open(cfg, Progress(quiet=True), "python", None, state.limits) as compute:
        run_programs(state, parts, compute, Progress(quiet=True))
    counts = state.finish()
    ray.shutdown()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"peak_rss_mb": peak_mb, "samples": counts["samples"],
                      "seconds": time.perf_counter() - started}))  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        folder, tasks, answers, hold = args.child
        child(Path(folder), Path(tasks), Path(answers), hold == "hold")
        return 0
    with tempfile.TemporaryDirectory(prefix="assay-bench-") as tmp:
        folder = Path(tmp)
        tasks, answers = make_inputs(folder, args.tasks)
        out = {}
        for mode in ("stream", "hold"):
            cmd = [sys.executable, __file__, "--child", str(folder), str(tasks), str(answers), mode]
            out[mode] = run_child(cmd)
            got = out[mode]
            print(f"{mode:6s}: {args.tasks} tasks in {got['seconds']:.0f}s, {got['samples']} "
                  f"samples, driver peak RSS {got['peak_rss_mb']:.0f} MB")  # fmt: skip
    print(peak_line("driver_peak_rss_mb", out["stream"], out["hold"], "holding every row"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
