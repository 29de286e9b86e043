"""The Python unit-test verifier: candidate code + assert statements → a Verdict.

Each `assert <expr> == <literal>` test keeps its expected value here, in the parent: the sandboxed
child only evaluates `<expr>` and returns plain data, so no `__eq__` trick, printed line or forged
message can stand in for a right answer. Other asserts are evaluated in the child with pristine
builtins, and any change to the real builtins is reported as cheating.
"""

from __future__ import annotations

import ast
import json
import math
import signal
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from assay.schemas.records import Outcome, Status, Verdict
from assay.verifiers.python.plaindata import decode
from assay.verifiers.registry import Registered, register
from assay.verifiers.sandbox import Execution, Limits, Sandbox

ENTRY = "assay.verifiers.python.harness:run"
REL_TOL = 1e-9  # float tolerance for value tests, relative ...
ABS_TOL = 1e-9  # ... and absolute (for expected values near zero)
BESIDE = "not verified: needs non-plain data, so only the candidate's own process could judge it"


@dataclass(frozen=True)
class Test:
    """One parsed test: `value` tests carry their expected value, which stays in the parent."""

    source: str
    kind: str  # "value", "assert" or "invalid"
    expr: str = ""
    expected: Any = None
    op: str = "=="


def _literal(node: ast.expr) -> tuple[bool, Any]:
    try:
        return True, ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False, None


def parse_test(source: str) -> Test:
    """`assert <expr> == <literal>` (either side) becomes a value test; others run as a block."""
    try:
        tree = ast.parse(source.strip())
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        return Test(source, "invalid", expr=f"test does not parse: {exc}")
    if not tree.body:
        return Test(source, "invalid", expr="empty test")
    first = tree.body[0]
    if len(tree.body) == 1 and isinstance(first, ast.Assert):
        test = first.test
        if (
            isinstance(test, ast.Compare)
            and len(test.ops) == 1
            and isinstance(test.ops[0], ast.Eq | ast.Is)
        ):
            op = "==" if isinstance(test.ops[0], ast.Eq) else "is"
            left, right = test.left, test.comparators[0]
            for expr, literal in ((left, right), (right, left)):
                ok, expected = _literal(literal)
                if ok and not _literal(expr)[0]:
                    return Test(source, "value", ast.unparse(expr), expected, op)
    return Test(source, "block", source.strip())


def same_value(got: Any, expected: Any) -> bool:
    """Python's `==` on plain data, except that floats match within REL_TOL/ABS_TOL.

    Solutions may sum floats in another order than the reference; a last-bit difference is not a
    wrong answer. Containers compare element by element with the same rule.
    """
    if type(got) is float or type(expected) is float:
        numbers = (int, float)
        if type(got) in numbers and type(expected) in numbers:
            return math.isclose(got, expected, rel_tol=REL_TOL, abs_tol=ABS_TOL)
        return bool(got == expected)
    if type(got) is type(expected) and type(got) in (list, tuple):
        return len(got) == len(expected) and all(map(same_value, got, expected))
    if type(got) is dict and type(expected) is dict:
        return got.keys() == expected.keys() and all(same_value(got[k], expected[k]) for k in got)
    return bool(got == expected)


def _matches(test: Test, got: Any) -> bool:
    if test.op == "is":
        return got is test.expected or (got == test.expected and type(got) is type(test.expected))
    return same_value(got, test.expected)


def _judge(test: Test, message: dict[str, Any] | None) -> Outcome:
    name = test.source
    if message is None:
        return Outcome(name, Status.ERROR, "no result: the check ended before this test ran")
    if test.kind == "value":
        if "value" not in message:
            return Outcome(name, Status.FAIL, message.get("error") or "no value returned")
        try:
            got = decode(message["value"])
        except (ValueError, TypeError, KeyError):
            return Outcome(name, Status.FAIL, "malformed value")
        if _matches(test, got):
            return Outcome(name, Status.PASS)
        return Outcome(name, Status.FAIL, f"expected {test.expected!r}, got {got!r}"[:500])
    if message.get("ok") is True:
        if message.get("where") == "worker":
            return Outcome(name, Status.NOT_VERIFIED, BESIDE)
        return Outcome(name, Status.PASS)
    return Outcome(name, Status.FAIL, message.get("error") or "assertion failed")


def _messages(channel: bytes) -> list[dict[str, Any]] | None:
    """Complete JSON lines from the channel; None when a line is not valid (tampering)."""
    out = []
    lines = channel.split(b"\n")
    for line in lines[:-1]:  # the last piece is empty or a line cut short by a kill
        try:
            msg = json.loads(line)
        except ValueError:
            return None
        if not isinstance(msg, dict):
            return None
        out.append(msg)
    return out


def compile_error(code: str, filename: str = "<candidate>") -> str:
    """Why `code` is not valid Python ("" when it compiles); compiled here, never run."""
    try:
        compile(code, filename, "exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return ""


def _verdict(cid: str, status: Status, outcomes: list[Outcome], total: int, **kw: Any) -> Verdict:
    passed = sum(o.status is Status.PASS for o in outcomes)
    return Verdict(cid, "python", status, passed, total, tuple(outcomes), **kw)


def payload(code: str, tests: list[Test], setup: str = "", entry_point: str = "") -> bytes:
    """Header line (what the candidate's worker may see), then the tests (harness only)."""
    head = {"code": code, "setup": setup, "entry_point": entry_point}
    body = [{"kind": t.kind, "expr": t.expr, "code": t.expr} for t in tests]
    return (json.dumps(head) + "\n" + json.dumps(body)).encode()


def _out_of_cpu(msgs: list[dict[str, Any]], cpu_s: float) -> bool:
    """The candidate's worker was killed by its CPU limit (SIGXCPU, or SIGKILL at the hard
    limit) before the check's own deadline: a timeout, not a crash."""
    for m in msgs:
        if m.get("t") == "gone" and (
            m.get("signal") == signal.SIGXCPU
            or (m.get("signal") == signal.SIGKILL and float(m.get("cpu_s") or 0) >= cpu_s)
        ):
            return True
    return False


def _status(
    ex: Execution,
    msgs: list[dict[str, Any]] | None,
    outcomes: list[Outcome],
    cpu_s: float = float("inf"),
) -> tuple[Status, dict[str, Any]]:
    """The verdict's status and evidence, worst first: forged, timeout, memory, crash, fail."""
    msgs = msgs or []
    tests = [m for m in msgs if m.get("t") == "test"]
    done = [m for m in msgs if m.get("t") == "done"]
    ordered = not msgs or msgs[0].get("t") in ("loaded", "load_error")
    ordered = ordered and all(m.get("i") == i for i, m in enumerate(tests))
    load_error = next((str(m.get("error")) for m in msgs if m.get("t") == "load_error"), "")
    gone = next((str(m.get("error")) for m in msgs if m.get("t") == "gone"), "")
    if not ordered or len(done) > 1 or (done and msgs[-1] is not done[0]):
        return Status.CHEAT, {"reason": "result channel out of order or forged"}
    if done and done[0].get("patched"):
        names = ", ".join(map(str, done[0]["patched"]))
        return Status.CHEAT, {"reason": f"replaced builtins: {names}"}
    if ex.timed_out or _out_of_cpu(msgs, cpu_s):
        return Status.TIMEOUT, {}
    details = [load_error] + [o.detail for o in outcomes]
    if ex.memory_exceeded or any(d.startswith("MemoryError") for d in details):
        return Status.MEMORY, {}
    if load_error:
        return Status.ERROR, {"reason": load_error}
    if not done or ex.exit_code != 0:
        reason = gone or "the check ended before every test reported"
        return Status.ERROR, {"reason": reason, "exit_code": ex.exit_code, "signal": ex.signal}
    if done[0].get("leftovers"):
        left = ", ".join(map(str, done[0]["leftovers"]))
        return Status.FAIL, {"reason": f"left running after its tests: {left}"}
    if outcomes and all(o.status is Status.PASS for o in outcomes):
        return Status.PASS, {}
    if outcomes and all(o.status in (Status.PASS, Status.NOT_VERIFIED) for o in outcomes):
        return Status.NOT_VERIFIED, {"reason": BESIDE}
    return Status.FAIL, {}


def check(
    candidate_id: str,
    code: str,
    tests: list[str],
    sandbox: Sandbox,
    limits: Limits,
    setup: str = "",
    entry_point: str = "",
) -> Verdict:
    """Run `tests` against `code` in one sandboxed child and judge every test.

    `setup` is trusted code the tests need (imports, helpers); `entry_point`, when given, must be
    defined by the code, and raw HumanEval tests may call it as `candidate`.
    """
    parsed = [parse_test(t) for t in tests]
    if tail := compile_error(code):
        return _verdict(candidate_id, Status.COMPILE_ERROR, [], len(tests), stderr_tail=tail)
    runnable = [t for t in parsed if t.kind != "invalid"]
    ex = sandbox.run_python(ENTRY, payload(code, runnable, setup, entry_point), limits)
    msgs = _messages(ex.channel)
    results = iter([m for m in (msgs or []) if m.get("t") == "test"])
    outcomes = [
        Outcome(t.source, Status.ERROR, t.expr)
        if t.kind == "invalid"
        else _judge(t, next(results, None))
        for t in parsed
    ]
    status, evidence = _status(ex, msgs, outcomes, limits.cpu_s)
    tail = ex.stderr.decode(errors="replace")
    if status is Status.ERROR and "reason" in evidence:
        tail += "\n" + str(evidence["reason"])
    return _verdict(
        candidate_id,
        status,
        outcomes,
        len(tests),
        stderr_tail=tail.strip()[-2000:],
        duration_s=ex.duration_s,
        isolation=ex.isolation,
        evidence=evidence,
    )


class PythonItem(BaseModel):
    """One input line of `assay verify python`; extra fields pass through to the output."""

    model_config = ConfigDict(extra="allow")

    id: str | int
    code: str
    tests: list[str] = Field(min_length=1)
    entry_point: str = ""
    setup: str = ""
    # A program reading stdin: its tests are input/output pairs (`verifiers.python.stdio`).
    # Not named `kind`: input lines often carry a field of their own by that name.
    stdio: bool = False
    checker: Literal["exact", "tokens", "floats"] = "tokens"  # how stdio outputs compare
    tolerance: float = Field(default=1e-6, ge=0)  # for the floats checker


@register("python", PythonItem, tier="tests")
class PythonVerifier(Registered):
    """The registry's face of `check`."""

    def check(self, item: PythonItem, sandbox: Sandbox, limits: Limits) -> Verdict:
        if item.stdio:
            from assay.verifiers.python.stdio import check_stdio

            return check_stdio(
                str(item.id), item.code, item.tests, sandbox, limits, item.checker, item.tolerance
            )
        return check(
            str(item.id), item.code, item.tests, sandbox, limits, item.setup, item.entry_point
        )
