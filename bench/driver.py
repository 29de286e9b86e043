"""The driver's own cost: CPU per task at the margin and peak RSS of `assay run`'s process.

The replay pipeline (`bench/pipeline.py`'s HumanEval-derived tasks and replay generator, 2
solutions per task, one checked right and one wrong) runs through `runner.run_pipeline` (the
whole `assay run` path: task checks, run lock, Prefect flow, rounds, curation, report) at two
sizes, each in a fresh process on its own local Ray. The driver's CPU is that process's user +
system time (its threads included; Ray's, Prefect's server's and the verifiers' processes not);
the fixed costs (imports, start-up, Prefect) cancel in the difference of the two sizes, which
divided by the difference in tasks is the driver's CPU per task at the margin (the sizes are far
apart: the fixed costs vary by about half a second from run to run). It is also split by phase:
opening the run's state (the task commits), the rounds (the engine's loop: what bounds how many
tasks a second one driver feeds to the generators and verifiers) and the passes after them
(curation, the report, compaction: a Ray task of their own, whose CPU is printed apart), and by
the driver's threads alive at its end (Python's own all go by `python`).

    uv run python bench/driver.py                          # 984 and 4,920 tasks
    uv run python bench/driver.py --sizes 164 328 --profile /tmp/driver.prof
    uv run python bench/driver.py --rss-tasks 100000       # also: peak RSS over one-line tasks
    uv run python bench/driver.py --tasks-in-memory 0      # every pass reads the tasks again

Each pair of sizes runs `--repeat` times (3) and the median pair is reported: a run's fixed
costs vary by about a second, a few tenths of a millisecond per task at these sizes.
`--profile` writes the larger run's cProfile stats (read with `python -m pstats`) and prints
its top functions by cumulative time. `--rss-tasks N` runs N one-line tasks
(`bench/driver_memory.py`'s) the same way and reports that run's peak RSS and time;
`--rss-only` runs only that, and `--set` adds config overrides to it: `--rss-only --rss-tasks
1000000 --set solver.n=1 curate.enabled=false` (one check a task, no curation) runs a million
tasks in about an hour and a half on 2 cores.
`--shard-tasks N` also runs N tasks with 1, 2 and 4 shards (`engine.shards`) on a
generation-bound replay (1 s a call, 4 replicas, 8 prompts a call) and prints the rounds'
tasks/s for each. The last line is `driver_ms_per_task=X peak_rss_mb=Y shards_speedup_4=Z` (Z is
the 4-shard rounds' tasks/s over one shard's; NA without `--shard-tasks`).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import assay.flows  # noqa: F401  (Ray's uv hook off before this script imports Ray)

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from child import run_child  # noqa: E402


def child(folder: Path, tasks: Path, answers: Path, delay: float, profile: str,
          more: list[str]) -> None:  # fmt: skip
    """One `assay run` in this process; prints a JSON line with its CPU, peak RSS and counts.
    `more`: config overrides."""
    import ray

    from assay.flows.config import load_config
    from assay.flows.runner import run_pipeline

    cfg = load_config(None, [
        f"dataset={folder / 'dataset'}", f"tasks=[{{file: {tasks}}}]",
        "generator.backend=replay", "generator.model=replay", "generator.num_cpus=0",
        f"generator.options={{answers: {answers}, delay_s: {delay}}}", "solver.n=2",
        "tester.n=0", "repair.rounds=0", "store.compact=false",
        "engine.passes_in_task=0",  # the passes off the driver at every size, as at scale
        *more,
    ])  # fmt: skip
    phases = time_phases()
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    started = time.perf_counter()
    if profile:
        import cProfile

        with cProfile.Profile() as prof:
            summary = run_pipeline(cfg, quiet=True)
        prof.dump_stats(profile)
    else:
        summary = run_pipeline(cfg, quiet=True)
    seconds = time.perf_counter() - started
    threads = thread_cpu()
    ray.shutdown()
    use = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"cpu_s": use.ru_utime + use.ru_stime, "peak_rss_mb": use.ru_maxrss / 1024,
                      "seconds": seconds, "state": summary.state,
                      "samples": summary.counts.get("samples"), "threads": threads,
                      "phases": phases}))  # fmt: skip


def _cpu() -> float:
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


PHASES = {"rounds": "run_programs", "finish": "after_rounds"}


def time_phases() -> dict[str, float]:
    """The process's CPU seconds in each phase of the run: opening its state (the task
    commits), the rounds (the engine's loop with every task's program and the commits written
    behind it: what bounds how many tasks a second one driver feeds to the generators and
    verifiers), then the passes after them (curation, the report: a Ray task of their own,
    whose CPU is `finish_task_s`, not the driver's)."""
    import assay.flows.domains.code.flow as code
    import assay.flows.engine.finish as finish
    import assay.flows.engine.run as run

    spent = dict.fromkeys(["open", *PHASES], 0.0)

    def passes(real: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            done = real(*args, **kwargs)
            spent["finish_task_s"] = spent.get("finish_task_s", 0.0) + done.cpu_s
            return done

        return call

    finish.finished = passes(finish.finished)

    def timed(name: str, real: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            before = _cpu()
            try:
                return real(*args, **kwargs)
            finally:
                spent[name] += _cpu() - before

        return call

    for name, attr in PHASES.items():
        setattr(run, attr, timed(name, getattr(run, attr)))

    def walled(real: Any) -> Any:  # the rounds' wall time, one loop or shards
        def call(*args: Any, **kwargs: Any) -> Any:
            before = time.perf_counter()
            try:
                return real(*args, **kwargs)
            finally:
                spent["rounds_wall_s"] = (
                    spent.get("rounds_wall_s", 0.0) + time.perf_counter() - before
                )

        return call

    run.rounds, run.run_shards = walled(run.rounds), walled(run.run_shards)
    code.open_state = timed("open", code.open_state)
    return spent


def thread_cpu() -> dict[str, float]:
    """CPU seconds of this process's live threads, by thread name (Linux `/proc`): which of
    the driver's threads (Python's main one, Ray's, Prefect's) the time went to."""
    out: dict[str, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc/self/task").glob("*/stat"):
        with contextlib.suppress(OSError):
            text = stat.read_text()
            name, rest = text[text.index("(") + 1 : text.rindex(")")], text[text.rindex(")") + 2 :]
            fields = rest.split()
            out[name] = out.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / tick
    return out


def humaneval_inputs(folder: Path, n: int) -> tuple[Path, Path]:
    sys.path.insert(0, str(HERE))
    from pipeline import HUMANEVAL, make_inputs

    if not HUMANEVAL.is_file():
        raise SystemExit(f"bench/driver.py needs {HUMANEVAL} (the shared benchmarks)")
    tasks, answers, _ = make_inputs(folder, n)
    return tasks, answers


def oneline_inputs(folder: Path, n: int) -> tuple[Path, Path]:
    sys.path.insert(0, str(HERE))
    from driver_memory import make_inputs

    return make_inputs(folder, n)


def measure(kind: str, n: int, delay: float, profile: str = "", more: tuple[str, ...] = ()) -> dict:
    """One run of `n` tasks of `kind` in a fresh process (`more`: config overrides)."""
    with tempfile.TemporaryDirectory(prefix="assay-bench-") as tmp:
        folder = Path(tmp)
        make = humaneval_inputs if kind == "humaneval" else oneline_inputs
        tasks, answers = make(folder, n)
        cmd = [sys.executable, __file__, "--child", str(folder), str(tasks), str(answers),
               str(delay), profile, *more]  # fmt: skip
        got = run_child(cmd)
    print(
        f"{kind}: {n} tasks in {got['seconds']:.1f}s ({got['state']}, {got['samples']} samples), "
        f"driver CPU {got['cpu_s']:.1f}s, peak RSS {got['peak_rss_mb']:.0f} MB"
    )
    return got


def shards(n: int, delay: float = 1.0, replicas: int = 4) -> str:
    """Tasks/s of the rounds with 1, 2 and 4 shards on a generation-bound replay (`delay` s a
    call, `replicas` replicas, 8 prompts a call); the 4-shard speedup over one."""
    rate = {}
    for k in (1, 2, 4):
        more = (f"engine.shards={k}", f"generator.replicas={replicas}", "generator.batch_size=8")
        got = measure("humaneval", n, delay, more=more)
        rate[k] = n / got["phases"]["rounds_wall_s"]
        print(f"  {k} shard(s): {rate[k]:.1f} tasks/s in the rounds")
    return f"{rate[4] / rate[1]:.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=[984, 4920])
    parser.add_argument("--delay", type=float, default=0.2, help="seconds per generator call")
    parser.add_argument("--profile", default="", help="write the larger run's cProfile here")
    parser.add_argument("--repeat", type=int, default=3, help="pairs of runs (median taken)")
    parser.add_argument("--rss-tasks", type=int, default=0, help="one-line tasks for peak RSS")
    parser.add_argument("--rss-only", action="store_true", help="only the --rss-tasks run")
    parser.add_argument("--set", nargs="*", default=[], help="config overrides for --rss-tasks")
    parser.add_argument("--shard-tasks", type=int, default=0,
                        help="tasks for the 1, 2 and 4 shard runs (0: not run)")  # fmt: skip
    parser.add_argument("--tasks-in-memory", default="",
                        help="engine.tasks_in_memory (0: each pass reads them anew)")  # fmt: skip
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        folder, tasks, answers, delay, profile, *more = args.child
        child(Path(folder), Path(tasks), Path(answers), float(delay), profile, more)
        return 0
    small, large = sorted(args.sizes)
    held = (f"engine.tasks_in_memory={args.tasks_in_memory}",) if args.tasks_in_memory else ()
    if args.rss_only:
        got = measure("one-line", args.rss_tasks, 0.0, more=(*held, *args.set))
        print(f"peak_rss_mb={got['peak_rss_mb']:.0f} seconds={got['seconds']:.0f}")
        return 0
    pairs = []  # the fixed costs vary by about a second a run: the median of a few pairs
    for _ in range(max(1, args.repeat)):
        a = measure("humaneval", small, args.delay, more=held)
        b = measure("humaneval", large, args.delay, args.profile, held)
        pairs.append((1000 * (b["cpu_s"] - a["cpu_s"]) / (large - small), a, b))
    pairs.sort(key=lambda p: p[0])
    ms, a, b = pairs[len(pairs) // 2]
    if len(pairs) > 1:
        print(f"driver CPU per task at the margin, {len(pairs)} pairs: "
              + ", ".join(f"{p[0]:.2f}" for p in pairs) + " ms (the median below)")  # fmt: skip
    phase = {
        n: 1000 * (b["phases"][n] - a["phases"][n]) / (large - small)
        for n in a["phases"]
        if not n.endswith("_s")
    }
    task_ms = 1000 * (b["phases"]["finish_task_s"] - a["phases"]["finish_task_s"]) / (large - small)
    rounds = phase["rounds"]
    print(f"driver CPU per task at the margin: {ms:.2f} ms ({small} -> {large} tasks); by phase: "
          + ", ".join(f"{n} {v:.2f}" for n, v in phase.items())
          + f", the rest {ms - sum(phase.values()):.2f}. In the rounds one driver feeds up to "
          f"{1000 / rounds:.0f} tasks/s to the generators and verifiers. The passes after the "
          f"rounds took {task_ms:.2f} ms per task in their own process")  # fmt: skip
    names = set(a["threads"]) | set(b["threads"])
    margin = {n: 1000 * (b["threads"].get(n, 0) - a["threads"].get(n, 0)) / (large - small)
              for n in names}  # fmt: skip
    print("  by thread (ms per task): " + ", ".join(
        f"{n} {v:.2f}" for n, v in sorted(margin.items(), key=lambda kv: -kv[1])[:6]))  # fmt: skip
    if args.profile:
        import pstats

        pstats.Stats(args.profile).sort_stats("cumulative").print_stats(40)
    peak = b["peak_rss_mb"]
    if args.rss_tasks:
        peak = measure("one-line", args.rss_tasks, 0.0, more=held)["peak_rss_mb"]
    speedup = shards(args.shard_tasks) if args.shard_tasks else "NA"
    print(f"driver_ms_per_task={ms:.2f} peak_rss_mb={peak:.0f} shards_speedup_4={speedup}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
