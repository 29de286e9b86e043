"""Contest programs: compile time, and per-test run time through assay against the same build
run bare, per language.

For each language whose toolchain is installed: the build through assay's sandbox (the
compiler under its limits), then `--tests` runs of one test each way, taking turns:

- bare: the build's files in a temp folder and its run command (`./main < in` for C++),
  started with `subprocess.run` and timed around it;
- assay: `judge.execute`, the path every test of `assay verify program` takes (files into a
  fresh scratch dir, a memory cgroup where the machine has one, the sandbox's limits), timed
  around it.

C++ runs a loop sized to take 10-50 ms (`--cpp-ms`), the case the goal is set on (X <= 1.3);
the other languages print a sum (their start-up dominates). Then every program is judged twice
more through one build cache: the second judgement of each reuses its build.

    uv run python bench/program.py
    uv run python bench/program.py --tests 40 --languages cpp,java

Last line: `overhead_vs_bare_cpp=X compile_cache_hits=H` (median over median).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from assay.verifiers.program.build import BuildCache
from assay.verifiers.program.judge import INPUT, execute, judge, run_limits
from assay.verifiers.program.languages import LANGUAGES, ToolchainMissing, argv, toolchain
from assay.verifiers.python.stdio import IOTest
from assay.verifiers.sandbox import open_sandbox

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "program"))
from programs import SUM

LOOP = (  # a dependent multiply-add per step: about a nanosecond each, not vectorised
    '#include <cstdio>\nint main(){unsigned long n,x=1;if(scanf("%lu",&n)!=1)return 1;\n'
    "for(unsigned long i=0;i<n;i++)x=x*6364136223846793005UL+1442695040888963407UL;\n"
    'printf("%lu\\n",x%10);}\n'
)


def bare(language: str, code: str, files: dict[str, bytes], stdin: bytes, mem: int) -> float:
    """Seconds for one run of the build outside the sandbox, as `./main < in` would take."""
    lang = LANGUAGES[language]
    with tempfile.TemporaryDirectory() as folder:
        for name, data in files.items():
            path = os.path.join(folder, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as handle:
                handle.write(data)
            os.chmod(path, 0o755)
        with open(os.path.join(folder, INPUT), "wb") as handle:
            handle.write(stdin)
        run = argv(lang.run, lang, code, mem, mem * 896)
        with open(os.path.join(folder, INPUT), "rb") as handle:
            start = time.perf_counter()
            subprocess.run(run, stdin=handle, stdout=subprocess.DEVNULL, cwd=folder, check=True)
            return time.perf_counter() - start


def calibrate(files: dict[str, bytes], want_ms: float) -> int:
    """Loop steps for the C++ test to take about `want_ms` bare."""
    steps = 1_000_000
    while True:
        took = bare("cpp", LOOP, files, f"{steps}\n".encode(), 256)
        if took * 1000 >= want_ms / 2:
            return int(steps * want_ms / (took * 1000))
        steps *= 4


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tests", type=int, default=20, help="timed runs per language and way")
    parser.add_argument("--cpp-ms", type=float, default=30.0, help="the C++ test's bare time")
    parser.add_argument("--languages", default=",".join(LANGUAGES))
    args = parser.parse_args()
    limits = run_limits(5.0, 256)
    cache = BuildCache()
    ratios: dict[str, float] = {}
    with open_sandbox() as box:
        print(f"sandbox {box.isolation}, memory limit {box.memory_limit}")
        for language in args.languages.split(","):
            try:
                version = toolchain(language)
            except ToolchainMissing as exc:
                print(f"{language}: skipped ({exc})")
                continue
            code = LOOP if language == "cpp" else SUM[language]
            build, _ = cache.get(language, code, box)
            assert build.ok, build.error
            stdin = b"1 2\n"
            if language == "cpp":
                stdin = f"{calibrate(build.files, args.cpp_ms)}\n".encode()
            ours, theirs = [], []
            for _ in range(args.tests):
                theirs.append(bare(language, code, build.files, stdin, limits.memory_mb))
                start = time.perf_counter()
                ex = execute(build, code, stdin, box, limits)
                ours.append(time.perf_counter() - start)
                assert ex.exit_code == 0, ex.stderr[-500:]
            a, b = statistics.median(ours), statistics.median(theirs)
            ratios[language] = a / b
            print(
                f"{language} ({version}): compile {build.seconds * 1000:.0f} ms; per test "
                f"assay {a * 1000:.1f} ms, bare {b * 1000:.1f} ms, ratio {a / b:.2f}"
            )
            for _ in range(2):  # a re-check: the second reuses the build
                judge("bench", language, code, [IOTest(stdin.decode(), "")], box, limits, cache)
    print(
        f"overhead_vs_bare_cpp={ratios.get('cpp', float('nan')):.2f} "
        f"compile_cache_hits={cache.hits}"
    )


if __name__ == "__main__":
    sys.exit(main())
