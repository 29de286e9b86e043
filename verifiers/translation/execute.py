"""Run one linked test binary in the sandbox with a fresh nonce, and read back its records.

The results file is the only output that counts (stdout is ignored). A line without this run's
nonce, or a clean exit without the harness's closing `#end`, means the candidate wrote into the
results or left the process before the driver finished: a cheat, not a failure.
"""

from __future__ import annotations

import secrets
import shutil
from dataclasses import dataclass, field, replace

from assay.schemas.records import Status
from assay.verifiers.sandbox import Limits, Sandbox
from assay.verifiers.translation.config import ASAN_ADDRESS_SPACE_MB, TranslationConfig
from assay.verifiers.translation.harness import NONCE_FILE, RESULTS_FILE

MB = 1024 * 1024
Record = tuple[str, tuple[str, ...]]
SANITIZER_MARKS = ("AddressSanitizer", "runtime error:", "LeakSanitizer", "UndefinedBehavior")


@dataclass
class Run:
    """One execution: `status` is None when it ran to the end with well-formed results."""

    status: Status | None
    records: list[Record] = field(default_factory=list)
    max_size: int = 0
    detail: str = ""
    stderr: str = ""
    duration_s: float = 0.0
    isolation: str = ""


def _env(threads: int, sanitize: bool, cfg: TranslationConfig) -> list[str]:
    env = [
        f"OMP_NUM_THREADS={threads}",
        "OMP_DYNAMIC=false",
        "OMP_WAIT_POLICY=passive",  # 8 threads on 2 cores must not spin
        "GOMP_SPINCOUNT=0",
    ]
    if sanitize:
        env += [
            "ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1:exitcode=66:"
            f"hard_rss_limit_mb={cfg.sanitizer_rss_mb}",
            "UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=67",
        ]
    return env


def run_binary(
    sandbox: Sandbox,
    binary: bytes,
    seed: int,
    threads: int,
    limits: Limits,
    cfg: TranslationConfig,
    sanitize: bool = False,
) -> Run:
    """Run `binary` once with OMP_NUM_THREADS=`threads` (set through `env` in argv: the
    sandbox gives every check a scrubbed environment)."""
    nonce = secrets.token_hex(16)
    run_limits = replace(limits, output_bytes=cfg.output_mb * MB, fsize_mb=cfg.output_mb)
    if sanitize:  # ASan maps terabytes of shadow: lift RLIMIT_AS, cap RSS with ASan itself
        run_limits = replace(
            run_limits,
            memory_mb=ASAN_ADDRESS_SPACE_MB,
            wall_s=limits.wall_s * cfg.sanitizer_slowdown,
            cpu_s=limits.cpu_s * cfg.sanitizer_slowdown,
        )
    env = shutil.which("env") or "/usr/bin/env"
    argv = [env, *_env(threads, sanitize, cfg), "./test.bin"]
    files = {"test.bin": binary, NONCE_FILE: f"{nonce} {seed}\n".encode()}
    ex = sandbox.run_command(argv, files, run_limits, collect=(RESULTS_FILE,))
    stderr = ex.stderr.decode(errors="replace")[-2000:]
    run = Run(None, stderr=stderr, duration_s=ex.duration_s, isolation=ex.isolation)
    if ex.timed_out:
        run.status, run.detail = Status.TIMEOUT, f"no result within {run_limits.wall_s}s"
    elif ex.memory_exceeded:
        run.status, run.detail = Status.MEMORY, "allocation failed under the memory limit"
    elif ex.exit_code != 0:
        run.status = Status.ERROR
        how = f"signal {ex.signal}" if ex.signal else f"exit code {ex.exit_code}"
        marks = [m for m in SANITIZER_MARKS if m in stderr]
        run.detail = f"{how}" + (f" ({', '.join(marks)})" if marks else "")
    else:
        _read(run, ex.files.get(RESULTS_FILE, b""), nonce)
    return run


def _read(run: Run, raw: bytes, nonce: str) -> None:
    lines = raw.decode(errors="replace").splitlines()
    prefix = nonce + " "
    foreign = [line for line in lines if not line.startswith(prefix)]
    if foreign:
        run.status = Status.CHEAT
        run.detail = (
            f"{len(foreign)} result line(s) not written by the harness: {foreign[0][:80]!r}"
        )
        return
    if not lines or lines[-1] != prefix + "#end":
        run.status = Status.CHEAT
        run.detail = "exited cleanly before the test driver finished (no #end from the harness)"
        return
    for line in lines[:-1]:
        name, *tokens = line[len(prefix) :].split(" ")
        if name == "#size":
            run.max_size = int(tokens[0])
        else:
            run.records.append((name, tuple(tokens)))
