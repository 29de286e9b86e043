"""The Python unit-test verifier: candidate code + assert statements → a Verdict.

Each `assert <expr> == <literal>` test keeps its expected value here, in the parent: the sandboxed
child only evaluates `<expr>` and returns plain data, so no `__eq__` trick, printed line or forged
message can stand in for a right answer. Other asserts are evaluated in the child with pristine
builtins, and any change to the real builtins is reported as cheating.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from typing import Any

from assay.schemas.records import Outcome, Status, Verdict
from assay.verifiers.plaindata import decode
from assay.verifiers.sandbox import Limits, Sandbox

ENTRY = "assay.verifiers.pyharness:run"


@dataclass(frozen=True)
class Test:
    """One parsed test: `value` tests carry their expected value, which stays in the parent."""

    source: str
    kind: str  # "value", "assert" or "invalid"
    expr: str = ""
    expected: Any = None
    op: str = "=="


def parse_test(source: str) -> Test:
    """`assert <expr> == <literal>` becomes a value test; any other statements run as a block."""
    try:
        tree = ast.parse(source.strip())
    except SyntaxError as exc:
        return Test(source, "invalid", expr=f"test does not parse: {exc.msg}")
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
            try:
                expected = ast.literal_eval(test.comparators[0])
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                pass
            else:
                op = "==" if isinstance(test.ops[0], ast.Eq) else "is"
                return Test(source, "value", ast.unparse(test.left), expected, op)
    return Test(source, "block", source.strip())


def _matches(test: Test, got: Any) -> bool:
    if test.op == "is":
        return got is test.expected or (got == test.expected and type(got) is type(test.expected))
    return bool(got == test.expected)


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
        where = " (evaluated beside the candidate)" if message.get("where") == "worker" else ""
        return Outcome(name, Status.PASS, where.strip(" ()"))
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


def _verdict(cid: str, status: Status, outcomes: list[Outcome], total: int, **kw: Any) -> Verdict:
    passed = sum(o.status is Status.PASS for o in outcomes)
    return Verdict(cid, "python", status, passed, total, tuple(outcomes), **kw)


def check(
    candidate_id: str,
    code: str,
    tests: list[str],
    sandbox: Sandbox,
    limits: Limits,
    setup: str = "",
) -> Verdict:
    """Run `tests` against `code` in one sandboxed child and judge every test."""
    parsed = [parse_test(t) for t in tests]
    try:
        compile(code, "<candidate>", "exec")
    except (SyntaxError, ValueError) as exc:
        return _verdict(
            candidate_id,
            Status.COMPILE_ERROR,
            [],
            len(tests),
            stderr_tail=f"{type(exc).__name__}: {exc}",
        )
    runnable = [t for t in parsed if t.kind != "invalid"]
    job = {
        "code": code,
        "setup": setup,
        "tests": [{"kind": t.kind, "expr": t.expr, "code": t.expr} for t in runnable],
    }
    ex = sandbox.run_python(ENTRY, json.dumps(job).encode(), limits)
    tail = ex.stderr.decode(errors="replace")[-2000:]
    common = {"stderr_tail": tail, "duration_s": ex.duration_s, "isolation": ex.isolation}
    msgs = _messages(ex.channel)
    by_index = {}
    ordered = msgs is not None and (not msgs or msgs[0].get("t") in ("loaded", "load_error"))
    for expect_i, msg in enumerate(m for m in (msgs or []) if m.get("t") == "test"):
        ordered = ordered and msg.get("i") == expect_i
        by_index[expect_i] = msg
    runs = iter(range(len(runnable)))
    outcomes = []
    for t in parsed:
        if t.kind == "invalid":
            outcomes.append(Outcome(t.source, Status.ERROR, t.expr))
        else:
            outcomes.append(_judge(t, by_index.get(next(runs))))
    done = [m for m in (msgs or []) if m.get("t") == "done"]
    load_error = next((m["error"] for m in (msgs or []) if m.get("t") == "load_error"), "")
    gone = next((m["error"] for m in (msgs or []) if m.get("t") == "gone"), "")
    if not ordered or len(done) > 1 or (done and msgs and msgs[-1] is not done[0]):
        status = Status.CHEAT
        common["evidence"] = {"reason": "result channel out of order or forged"}
    elif ex.timed_out:
        status = Status.TIMEOUT
    elif ex.memory_exceeded or any(o.detail.startswith("MemoryError") for o in outcomes):
        status = Status.MEMORY
    elif load_error:
        status = Status.ERROR
        common["stderr_tail"] = (tail + "\n" + load_error).strip()[-2000:]
    elif not done or ex.exit_code != 0:
        status = Status.ERROR
        common["evidence"] = {
            "reason": gone or "the check ended before every test reported",
            "exit_code": ex.exit_code,
            "signal": ex.signal,
        }
    elif done[0].get("leftovers"):
        status = Status.FAIL
        common["evidence"] = {
            "reason": "left running after its tests: " + ", ".join(map(str, done[0]["leftovers"]))
        }
    elif all(o.status is Status.PASS for o in outcomes) and outcomes:
        status = Status.PASS
    else:
        status = Status.FAIL
    return _verdict(candidate_id, status, outcomes, len(tests), **common)
