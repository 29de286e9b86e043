"""Judge one program like a contest: build once, run every test in the sandbox, compare.

Each test runs the build with its input as standard input (a scratch file, any size), under a
CPU time and a resident-memory limit (a memory cgroup where the machine has one, else
RLIMIT_AS) and a stack as large as the memory limit. Its output is compared in the parent by
the Python stdio checks' comparison (`tokens`, `exact`, `floats`), or by a checker program run
in the sandbox with the testlib convention: `checker INPUT OUTPUT ANSWER`, exit 0 accepted, 1
wrong answer, 2 presentation error, anything else a checker failure (the verdict is `error`,
never `pass`). The expected output enters only the checker's sandbox, never the program's.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from assay.schemas.records import Outcome, Status, Verdict
from assay.verifiers.program.build import Build, BuildCache
from assay.verifiers.program.languages import LANGUAGES, argv
from assay.verifiers.python.stdio import SHOWN, IOTest, same_output
from assay.verifiers.sandbox import Execution, Limits, Sandbox

INPUT = ".input"  # the test's input, in the program's scratch dir
OUTPUT_CAP = 32 * 1024 * 1024  # a program's stdout past this is cut (and then fails to compare)
# The checker's limits: it is trusted to be right, not to be fast on a hostile output.
CHECKER = Limits(wall_s=30, cpu_s=15, memory_mb=1024, nproc=128, fsize_mb=64, nofile=256)
CHECKER_FAILED = "checker failed"


@dataclass(frozen=True)
class CheckerProgram:
    language: str
    code: str

    @property
    def name(self) -> str:
        """How verdicts name it: language and source hash."""
        return f"program:{self.language}:{hashlib.sha256(self.code.encode()).hexdigest()[:16]}"


def run_limits(time_s: float, memory_mb: int) -> Limits:
    """A test's limits: `time_s` of CPU (wall: twice that and a second, for runtimes' start),
    `memory_mb` resident; threads and files enough for the JVM, Go and node."""
    return Limits(
        wall_s=2 * time_s + 1,
        cpu_s=time_s,
        memory_mb=memory_mb,
        nproc=128,
        fsize_mb=64,
        nofile=256,
        output_bytes=OUTPUT_CAP,
    )


def execute(
    build: Build,
    code: str,
    stdin: bytes,
    sandbox: Sandbox,
    limits: Limits,
    extra: tuple[str, ...] = (),
) -> Execution:
    """Run `build` once on `stdin` in the sandbox, with a stack as large as its memory limit."""
    lang = LANGUAGES[build.language]
    stack_kb = limits.memory_mb * 896  # the runtime's own stack limit (KiB), below the OS's
    run = argv(lang.run, lang, code, limits.memory_mb, stack_kb)
    return sandbox.run_command(
        [*run, *extra],
        {**build.files, INPUT: stdin},
        limits,
        stdin_file=INPUT,
        resident=True,
        stack_mb=limits.memory_mb,
    )


def run_failure(name: str, ex: Execution, limits: Limits) -> Outcome | None:
    """Why a run did not finish cleanly, or None."""
    if ex.timed_out:
        return Outcome(name, Status.TIMEOUT, f"ran out of time ({limits.cpu_s:g}s)")
    if ex.memory_exceeded:
        detail = f"ran out of memory ({limits.memory_mb} MiB, {ex.memory_limit})"
        return Outcome(name, Status.MEMORY, detail)
    if ex.exit_code != 0:
        said = _ends(ex.stderr.decode(errors="replace").strip())
        return Outcome(name, Status.ERROR, f"exit {ex.exit_code} signal {ex.signal}: {said}")
    return None


def _ends(text: str, keep: int = 200) -> str:
    """The start and end of a long message (a runtime's error is on top of its stack trace)."""
    return text if len(text) <= 2 * keep + 5 else f"{text[:keep]} ... {text[-keep:]}"


def judge_output(
    name: str,
    test: IOTest,
    got: str,
    checker: str | tuple[CheckerProgram, Build],
    sandbox: Sandbox,
    tolerance: float,
    checker_limits: Limits = CHECKER,
) -> Outcome:
    """Compare one output: by the stdio comparison, or by running the checker program."""
    if isinstance(checker, str):
        if same_output(got, test.stdout, checker, tolerance):
            return Outcome(name, Status.PASS)
        return Outcome(name, Status.FAIL, f"expected {test.stdout[:SHOWN]!r}, got {got[:SHOWN]!r}")
    program, build = checker
    files = {"input.txt": test.stdin, "output.txt": got, "answer.txt": test.stdout}
    ex = sandbox.run_command(
        [*_checker_argv(program, checker_limits), *files],
        {**build.files, **{k: v.encode() for k, v in files.items()}},
        checker_limits,
        resident=True,
        stack_mb=checker_limits.memory_mb,
    )
    said = _ends((ex.stderr + ex.stdout).decode(errors="replace").strip())
    if not ex.timed_out and ex.signal is None and ex.exit_code == 0:
        return Outcome(name, Status.PASS, said)
    if not ex.timed_out and ex.signal is None and ex.exit_code in (1, 2):
        kind = "wrong answer" if ex.exit_code == 1 else "presentation error"
        return Outcome(name, Status.FAIL, f"{kind}: {said}")
    why = "timed out" if ex.timed_out else f"exit {ex.exit_code} signal {ex.signal}"
    return Outcome(name, Status.ERROR, f"{CHECKER_FAILED} ({why}): {said}")


def _checker_argv(program: CheckerProgram, limits: Limits) -> list[str]:
    lang = LANGUAGES[program.language]
    return argv(lang.run, lang, program.code, limits.memory_mb, limits.memory_mb * 896)


def overall(outcomes: list[Outcome]) -> Status:
    """The verdict's status: a checker failure makes it `error` whatever else happened."""
    statuses = {o.status for o in outcomes}
    if any(o.detail.startswith(CHECKER_FAILED) for o in outcomes):
        return Status.ERROR
    for status in (Status.TIMEOUT, Status.MEMORY, Status.ERROR, Status.FAIL):
        if status in statuses:
            return status
    return Status.PASS


def judge(
    candidate_id: str,
    language: str,
    code: str,
    tests: list[IOTest],
    sandbox: Sandbox,
    limits: Limits,
    cache: BuildCache,
    checker: str | CheckerProgram = "tokens",
    tolerance: float = 1e-6,
    checker_limits: Limits = CHECKER,
) -> Verdict:
    """Build `code` (or reuse its build), run every test under `limits`, judge each output
    (a checker program under `checker_limits`)."""
    build, cached = cache.get(language, code, sandbox)
    checking: str | tuple[CheckerProgram, Build] = checker if isinstance(checker, str) else ""
    evidence = {
        "kind": "program",
        "language": language,
        "toolchain": build.toolchain,
        "checker": checker if isinstance(checker, str) else checker.name,
        "cached": cached,
        "compile_s": round(build.seconds, 4),
    }
    if isinstance(checker, CheckerProgram):
        checker_build, _ = cache.get(checker.language, checker.code, sandbox)
        evidence["checker_toolchain"] = checker_build.toolchain
        if not checker_build.ok:  # the judge is broken, not the program
            tail = f"the checker program does not build: {checker_build.error}"
            return _verdict(candidate_id, Status.ERROR, [], len(tests), tail, evidence, sandbox)
        checking = (checker, checker_build)
    if not build.ok:
        evidence["memory_limit"] = build.memory_limit
        return _verdict(
            candidate_id, Status.COMPILE_ERROR, [], len(tests), build.error, evidence, sandbox
        )
    outcomes, seconds, peak, memory = [], 0.0, 0, ""
    for test in tests:
        name = test.encode()
        ex = execute(build, code, test.stdin.encode(), sandbox, limits)
        seconds, peak, memory = seconds + ex.duration_s, max(peak, ex.memory_peak), ex.memory_limit
        failed = run_failure(name, ex, limits)
        got = ex.stdout.decode(errors="replace")
        outcomes.append(
            failed or judge_output(name, test, got, checking, sandbox, tolerance, checker_limits)
        )
    evidence.update(memory_limit=memory, memory_peak_mb=round(peak / 2**20, 1))
    stderr = next((o.detail for o in outcomes if o.status is Status.ERROR), "")
    return _verdict(
        candidate_id, overall(outcomes), outcomes, len(tests), stderr, evidence, sandbox, seconds
    )


def _verdict(
    cid: str,
    status: Status,
    outcomes: list[Outcome],
    total: int,
    stderr: str,
    evidence: dict[str, object],
    sandbox: Sandbox,
    seconds: float = 0.0,
) -> Verdict:
    memory = str(evidence.get("memory_limit") or "")
    return Verdict(
        cid,
        "program",
        status,
        sum(o.status is Status.PASS for o in outcomes),
        total,
        tuple(outcomes),
        stderr_tail=stderr[-2000:],
        duration_s=seconds,
        isolation=f"{sandbox.isolation}+{memory}" if memory else sandbox.isolation,
        evidence=evidence,
    )
