"""Programs that read stdin and write stdout (competitive-programming style) → a Verdict.

A test is an input text and the expected output text. Each test runs the program once in the
sandbox with the input on stdin; its stdout is compared here, in the parent, by the chosen
checker. The expected output never enters the sandbox, so a program can only pass by printing it.

Checkers: `exact` (the same text; a missing final newline aside), `tokens` (the same
whitespace-separated tokens: how most judges compare), `floats` (tokens, with numbers equal
within `tolerance`, relative or absolute).
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass
from typing import Literal

from assay.schemas.records import Outcome, Status, Verdict
from assay.verifiers.python.check import compile_error
from assay.verifiers.sandbox import Execution, Limits, Sandbox

Checker = Literal["exact", "tokens", "floats"]
CHECKERS: tuple[str, ...] = ("exact", "tokens", "floats")
PROGRAM = "main.py"
SHOWN = 200  # characters of an output shown in a failed test's detail


@dataclass(frozen=True)
class IOTest:
    stdin: str
    stdout: str

    def encode(self) -> str:
        """The test as a task stores it: one JSON object per test string."""
        return json.dumps({"stdin": self.stdin, "stdout": self.stdout}, sort_keys=True)


def decode_test(text: str) -> IOTest:
    """A task's test string back as an `IOTest`; ValueError names what is wrong."""
    try:
        obj = json.loads(text)
    except ValueError:
        raise ValueError(f"a stdio test must be a JSON object, got {text[:80]!r}") from None
    if not isinstance(obj, dict) or not all(
        isinstance(obj.get(k), str) for k in ("stdin", "stdout")
    ):
        raise ValueError(f"a stdio test needs string fields stdin and stdout, got {text[:80]!r}")
    return IOTest(obj["stdin"], obj["stdout"])


def _number(token: str) -> float | None:
    try:
        value = float(token)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def same_output(got: str, expected: str, checker: str, tolerance: float = 1e-6) -> bool:
    if checker == "exact":
        return got.removesuffix("\n") == expected.removesuffix("\n")
    have, want = got.split(), expected.split()
    if checker == "tokens" or len(have) != len(want):
        return have == want
    for a, b in zip(have, want, strict=True):
        x, y = _number(a), _number(b)
        if x is None or y is None:
            if a != b:
                return False
        elif not math.isclose(x, y, rel_tol=tolerance, abs_tol=tolerance):
            return False
    return True


def _outcome(name: str, ex: Execution, test: IOTest, checker: str, tolerance: float) -> Outcome:
    if ex.timed_out:
        return Outcome(name, Status.TIMEOUT, "ran out of time")
    if ex.memory_exceeded:
        return Outcome(name, Status.MEMORY, "ran out of memory")
    if ex.exit_code != 0:
        tail = ex.stderr.decode(errors="replace").strip()[-300:]
        return Outcome(name, Status.ERROR, f"exit {ex.exit_code} signal {ex.signal}: {tail}")
    got = ex.stdout.decode(errors="replace")
    if same_output(got, test.stdout, checker, tolerance):
        return Outcome(name, Status.PASS)
    return Outcome(name, Status.FAIL, f"expected {test.stdout[:SHOWN]!r}, got {got[:SHOWN]!r}")


def check_stdio(
    candidate_id: str,
    code: str,
    tests: list[str],
    sandbox: Sandbox,
    limits: Limits,
    checker: str = "tokens",
    tolerance: float = 1e-6,
) -> Verdict:
    """Run the program once per test (each under `limits`) and judge every output."""
    if checker not in CHECKERS:
        raise ValueError(f"unknown stdio checker {checker!r}; use one of {list(CHECKERS)}")
    if tail := compile_error(code, PROGRAM):
        return Verdict(
            candidate_id, "python", Status.COMPILE_ERROR, 0, len(tests), stderr_tail=tail
        )
    outcomes, seconds, isolation = [], 0.0, sandbox.isolation
    argv = [sys.executable, "-I", "-S", PROGRAM]  # no site-packages, no environment
    for text in tests:
        try:
            test = decode_test(text)
        except ValueError as exc:
            outcomes.append(Outcome(text, Status.ERROR, str(exc)))
            continue
        ex = sandbox.run_command(argv, {PROGRAM: code.encode()}, limits, stdin=test.stdin.encode())
        seconds, isolation = seconds + ex.duration_s, ex.isolation
        outcomes.append(_outcome(text, ex, test, checker, tolerance))
    statuses = {o.status for o in outcomes}
    status = (
        Status.PASS if statuses == {Status.PASS}
        else Status.TIMEOUT if Status.TIMEOUT in statuses
        else Status.MEMORY if Status.MEMORY in statuses
        else Status.FAIL
    )  # fmt: skip
    passed = sum(o.status is Status.PASS for o in outcomes)
    stderr = next((o.detail for o in outcomes if o.status is Status.ERROR), "")
    return Verdict(
        candidate_id,
        "python",
        status,
        passed,
        len(tests),
        tuple(outcomes),
        stderr_tail=stderr[-2000:],
        duration_s=seconds,
        isolation=isolation,
        evidence={"kind": "stdio", "checker": checker},
    )
