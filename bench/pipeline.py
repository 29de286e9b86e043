"""The round engine against the verifier pool alone, in one run, on HumanEval-derived tasks.

`--tasks N` tasks are made from HumanEval's 164 (each repeated under a new name, so every task
has its own id); a replay generator answers every solver request with the canonical solution
and a wrong one after a fixed `--delay` per call, whatever the call holds (what a GPU batch
costs). The same checks (both solutions of every task against its trusted tests) then go
through the same check lane alone (the run's verifier actors, `engine.checks.ray_checks`, no
generation, no commits), on the same Ray.

    uv run python bench/pipeline.py                       # 2,000 tasks, 0.2 s per call
    uv run python bench/pipeline.py --tasks 512 --delay 2 --batch-size 16 --replicas 4

With `--replicas R > 1` the pipeline runs with one replica and with R, and prints their ratio of
tasks/s once the workers have started (a run pays for starting them once, whatever its size; the
ratio counting the start is printed beside it).
The last line is `pipeline_vs_checks_only=X` (pipeline tasks/s ÷ checks-only tasks/s).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import assay.flows  # noqa: F401  (Ray's uv hook off before this script imports Ray)

BENCHMARKS = Path(__file__).resolve().parents[1] / ".." / "shared" / "benchmarks"
HUMANEVAL = BENCHMARKS / "humaneval" / "HumanEval.jsonl.gz"


def make_inputs(folder: Path, n: int) -> tuple[Path, Path, list]:
    """An assay task file of `n` HumanEval-derived tasks and the replay answers for them."""
    from assay.flows.domains.code.importers import load
    from assay.flows.sources import load_assay_file

    base = load(HUMANEVAL, "humaneval")
    tasks_path, answers_path = folder / "tasks.jsonl", folder / "answers.jsonl"
    with tasks_path.open("w") as fh:
        for k in range(n):
            t = base[k % len(base)]
            line = {"name": f"{t.name}#{k // len(base)}", "prompt": t.prompt,
                    "entry_point": t.entry_point, "reference": t.reference,
                    "tests": list(t.tests), "setup": t.setup}  # fmt: skip
            fh.write(json.dumps(line) + "\n")
    tasks = load_assay_file(tasks_path, "code")
    with answers_path.open("w") as fh:
        for t in tasks:
            wrong = f"def {t.entry_point}(*args, **kwargs):\n    return None\n"
            texts = [f"```python\n{t.reference}\n```", f"```python\n{wrong}```"]
            fh.write(json.dumps({"key": f"{t.id}:solver", "texts": texts}) + "\n")
    return tasks_path, answers_path, tasks


def config(folder: Path, tasks: Path, answers: Path, args: argparse.Namespace, replicas: int):
    from assay.flows.config import load_config

    return load_config(
        None,
        [
            f"dataset={folder / f'dataset-{replicas}'}",
            f"tasks=[{{file: {tasks}}}]",
            "generator.backend=replay",
            "generator.model=replay",
            f"generator.options={{answers: {answers}, delay_s: {args.delay}}}",
            "generator.num_cpus=0",  # the replay answers hold no model
            f"generator.replicas={replicas}",
            *([f"generator.batch_size={args.batch_size}"] if args.batch_size else []),
            *([f"engine.check_chunk={args.check_chunk}"] if args.check_chunk else []),
            "solver.n=2",
            "tester.n=0",
            "repair.rounds=0",
        ],
    )


def run_pipeline(cfg) -> tuple[float, dict]:
    """The code domain's programs through the engine on the running Ray (nothing committed
    before: a fresh dataset)."""
    from assay.flows.domains import get
    from assay.flows.engine.compute import Compute
    from assay.flows.engine.rounds import run_programs
    from assay.flows.progress import Progress

    parts = get("code").flow()
    state = parts.open_state(cfg)
    started = time.perf_counter()
    with Compute.open(cfg, Progress(quiet=True), "python", None, state.limits) as compute:
        stats = {"startup_s": compute.ready()}
        stats.update(run_programs(state, parts, compute, Progress(quiet=True)))
    seconds = time.perf_counter() - started
    counts = state.finish()
    stats["verdicts_pass"] = counts["verdicts_pass"]
    return seconds, stats


def run_checks_only(cfg, tasks: list, limits) -> tuple[float, int]:
    """The same 2 checks per task through the run's check lane alone: the verifier actors a run
    of `cfg` starts (timed from their start, as the pipeline's workers are)."""
    from assay.flows.domains.code.stages import check_item
    from assay.flows.engine.checks import checked, closing, ray_checks
    from assay.verifiers.sandbox import SandboxOptions

    items = []
    for t in tasks:
        wrong = f"def {t.entry_point}(*args, **kwargs):\n    return None\n"
        for j, code in enumerate((t.reference, wrong)):
            items.append(check_item(t, code, list(t.tests), f"{t.id}:{j}"))
    started = time.perf_counter()
    held = cfg.generator.replicas * cfg.generator.num_cpus
    box = SandboxOptions(cfg.verify.isolation)
    with closing(ray_checks(cfg, limits, box, held)) as lane:
        passed = sum(v.passed for v in checked(lane, "python", None, items))
    return time.perf_counter() - started, passed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--delay", type=float, default=0.2, help="seconds per generator call")
    parser.add_argument("--replicas", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=0, help="0: the backend's (256)")
    parser.add_argument("--check-chunk", type=int, default=0, help="0: the engine's default")
    parser.add_argument("--num-cpus", type=int, default=2, help="the local Ray's CPUs")
    args = parser.parse_args()
    if not HUMANEVAL.is_file():
        print(f"bench/pipeline.py needs {HUMANEVAL} (the shared benchmarks)", file=sys.stderr)
        return 2
    import ray

    with tempfile.TemporaryDirectory(prefix="assay-bench-") as tmp:
        folder = Path(tmp)
        tasks_path, answers, tasks = make_inputs(folder, args.tasks)
        ray.init(
            address="local", num_cpus=args.num_cpus, include_dashboard=False, log_to_driver=False
        )
        try:
            one = config(folder, tasks_path, answers, args, 1)
            limits = one.verify.limits
            from assay.verifiers.sandbox import Limits

            lim = Limits(wall_s=limits.wall_s, cpu_s=limits.cpu_s, memory_mb=limits.memory_mb)
            base_s, base_pass = run_checks_only(one, tasks, lim)
            print(f"checks only: {len(tasks)} tasks, {2 * len(tasks)} checks in {base_s:.1f}s "
                  f"({len(tasks) / base_s:.1f} tasks/s, {base_pass} pass)")  # fmt: skip
            runs, warm = {}, {}
            for replicas in sorted({1, args.replicas}):
                cfg = config(folder, tasks_path, answers, args, replicas)
                seconds, stats = run_pipeline(cfg)
                runs[replicas], warm[replicas] = seconds, seconds - stats["startup_s"]
                print(
                    f"pipeline, {replicas} replica(s): {len(tasks)} tasks in {seconds:.1f}s "
                    f"({len(tasks) / seconds:.1f} tasks/s, {stats['verdicts_pass']} pass; "
                    f"{stats['startup_s']:.1f}s of it starting the workers); "
                    f"generator_calls={stats['generator_calls']} "
                    f"mean_batch={stats['mean_batch']:.1f} checks={stats['checks']}"
                )
        finally:
            ray.shutdown()
    if args.replicas > 1:
        whole, started = runs[1] / runs[args.replicas], warm[1] / warm[args.replicas]
        print(
            f"replicas_speedup={started:.2f} ({args.replicas} vs 1, tasks/s once the workers "
            f"have started; {whole:.2f} counting their start)"
        )
    print(f"pipeline_vs_checks_only={base_s / runs[args.replicas]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
