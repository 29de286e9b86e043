"""Sandbox throughput, side by side on one workload of small HumanEval-style checks.

Three runners: a human-eval-style baseline (a `multiprocessing` manager and process per check),
assay's sandbox with full isolation, and a bare `os.fork` of this warm interpreter (the floor:
no isolation at all). Run: `uv run python bench/sandbox.py [--checks N] [--rounds R]
[--caller-imports M,..]`. The last line is `speedup_vs_baseline=<x> fraction_of_fork_floor=<y>`.

The runners take turns in rounds, and the ratios are medians of each round's paired ratio: this
machine's speed drifts from one second to the next, and a runner timed alone would carry it.
Each runner's line also gives the CPU time the whole machine spent per check (all processes,
all cores), so a runner cannot look fast by using more cores.

The baseline and the floor fork the calling process, so their cost grows with what it has
loaded; the sandbox's zygote is a fresh interpreter whatever the caller holds. In a pipeline
the caller is a verifier actor, so by default the caller first imports what that actor's module
does (`assay.workers.actors`: Ray, the record schemas, the sandbox client). `--caller-imports ""`
runs from this bare script instead.
"""

from __future__ import annotations

import argparse
import importlib
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from typing import cast

from smallchecks import entry, workload


def _run_in_child(job: dict[str, object], results: list[object]) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        os.chdir(scratch)
        namespace: dict[str, object] = {}
        try:
            exec(str(job["code"]), namespace)
            results.append(all(eval(t, namespace) for t in cast(list[str], job["tests"])))
        except BaseException:
            results.append(False)


def baseline(job: dict[str, object]) -> bool:
    """The human-eval pattern: a manager-backed result list and a process per check."""
    with multiprocessing.Manager() as manager:
        results = manager.list()
        process = multiprocessing.Process(target=_run_in_child, args=(job, results))
        process.start()
        process.join(timeout=10)
        if process.is_alive():
            process.kill()
        return bool(results and results[0])


def fork_floor(job: dict[str, object]) -> bool:
    """A bare fork of this warm interpreter with a pipe back: no isolation, the speed limit."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            entry(json.dumps(job).encode(), write)
        finally:
            os._exit(0)
    os.close(write)
    reply = b""
    while chunk := os.read(read, 65536):
        reply += chunk
    os.close(read)
    os.waitpid(pid, 0)
    return bool(reply) and all(json.loads(reply))


def busy_s() -> float:
    """CPU seconds the whole machine has spent (every core, every process) since boot."""
    with open("/proc/stat") as handle:
        ticks = [int(v) for v in handle.readline().split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")  # less idle, iowait


def timed(
    name: str, check: Callable[[dict[str, object]], bool], jobs: list[dict[str, object]]
) -> tuple[float, float]:
    """Checks per second of `check` over `jobs`, and the machine's CPU ms per check; every
    check must pass."""
    cpu, start = busy_s(), time.perf_counter()
    passed = sum(check(job) for job in jobs)
    elapsed, cpu = time.perf_counter() - start, busy_s() - cpu
    if passed != len(jobs):
        raise SystemExit(f"{name}: only {passed}/{len(jobs)} checks passed; the runner is broken")
    return len(jobs) / elapsed, 1000 * cpu / len(jobs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checks", type=int, default=600, help="checks per runner, in all")
    parser.add_argument("--rounds", type=int, default=6, help="rounds the runners alternate in")
    parser.add_argument(
        "--caller-imports",
        default="assay.workers.actors",
        help="modules to load in the caller first (comma list; empty: none)",
    )
    args = parser.parse_args()
    loaded = [m for m in args.caller_imports.split(",") if m]
    for name in loaded:
        importlib.import_module(name)
    from assay.verifiers.sandbox import Limits, open_sandbox

    per_round = max(args.checks // args.rounds, 8)
    jobs = workload(per_round * args.rounds)
    limits = Limits(wall_s=10, cpu_s=5, memory_mb=512)
    here = os.path.dirname(os.path.abspath(__file__))
    with open_sandbox(warm=("smallchecks",), paths=(here,)) as box:

        def sandboxed(job: dict[str, object]) -> bool:
            ex = box.run_python("smallchecks:entry", json.dumps(job).encode(), limits)
            return ex.exit_code == 0 and bool(ex.channel) and all(json.loads(ex.channel))

        print(
            f"sandbox isolation: {box.isolation}; {args.rounds} rounds of {per_round} checks per "
            f"runner ({max(per_round // 4, 2)} for the baseline); {os.cpu_count()} cores; "
            f"caller imports: {', '.join(loaded) or 'nothing extra'}"
        )
        sandboxed(jobs[0])  # warm-up outside the timing
        rates: dict[str, list[float]] = {"baseline": [], "sandbox": [], "fork": []}
        cpus: dict[str, list[float]] = {name: [] for name in rates}
        runners = {"baseline": baseline, "sandbox": sandboxed, "fork": fork_floor}
        for r in range(args.rounds):
            part = jobs[r * per_round : (r + 1) * per_round]
            for name, check in runners.items():
                share = part[: max(per_round // 4, 2)] if name == "baseline" else part
                per_s, cpu_ms = timed(name, check, share)
                rates[name].append(per_s)
                cpus[name].append(cpu_ms)
            print(f"round {r + 1}: " + "  ".join(f"{n} {v[-1]:.1f}/s" for n, v in rates.items()))
    for name, values in rates.items():
        mid = statistics.median(values)
        cpu = statistics.median(cpus[name])
        print(
            f"{name:<10} {mid:8.1f} checks/s  {1000 / mid:6.2f} ms/check  "
            f"{cpu:6.2f} CPU ms/check  (medians of rounds)"
        )
    # Each round's runners ran back to back, so their ratio is paired; the median resists the
    # machine's drift between rounds.
    speedup = statistics.median(
        s / b for s, b in zip(rates["sandbox"], rates["baseline"], strict=True)
    )
    fraction = statistics.median(
        s / f for s, f in zip(rates["sandbox"], rates["fork"], strict=True)
    )
    sys.stdout.flush()
    print(f"speedup_vs_baseline={speedup:.2f} fraction_of_fork_floor={fraction:.2f}")


if __name__ == "__main__":
    main()
