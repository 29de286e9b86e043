"""Planted candidates through the real sandbox: the suite fails if any verdict is wrong."""

from __future__ import annotations

import pytest

from assay.schemas.records import Status
from assay.verifiers.python.check import check, parse_test, same_value
from assay.verifiers.sandbox import Limits, ZygoteSandbox

LIMITS = Limits(wall_s=3, cpu_s=2, memory_mb=512)
TESTS = ["assert add(1, 2) == 3", "assert add(-5, 5) == 0", "assert add(2, 2) > 3"]
GOOD = "def add(a, b):\n    return a + b\n"


def verdict(box: ZygoteSandbox, code: str, tests: list[str] = TESTS, **kw):
    return check("c", code, tests, box, kw.pop("limits", LIMITS), **kw)


def test_good_candidate_passes_every_test(sandbox: ZygoteSandbox) -> None:
    v = verdict(sandbox, GOOD)
    assert (v.status, v.tests_passed, v.tests_total) == (Status.PASS, 3, 3)
    assert [o.status for o in v.outcomes] == [Status.PASS] * 3
    assert v.isolation == sandbox.isolation and v.duration_s > 0


def test_wrong_candidate_fails_with_the_expected_value_named(sandbox: ZygoteSandbox) -> None:
    v = verdict(sandbox, "def add(a, b):\n    return a - b\n")
    assert (v.status, v.tests_passed) == (Status.FAIL, 0)
    assert v.outcomes[0].detail == "expected 3, got -1"


def test_a_candidate_out_of_cpu_before_the_deadline_times_out(sandbox: ZygoteSandbox) -> None:
    """Its worker dies of SIGXCPU well before the wall deadline: a timeout, not a crash."""
    code = "def add(a, b):\n    while True:\n        pass\n"
    v = verdict(sandbox, code, limits=Limits(wall_s=5, cpu_s=1))
    assert (v.status, v.tests_passed) == (Status.TIMEOUT, 0)


def test_hanging_candidate_times_out(sandbox: ZygoteSandbox) -> None:
    code = "def add(a, b):\n    while True:\n        pass\n"
    v = verdict(sandbox, code, limits=Limits(wall_s=1, cpu_s=1))
    assert (v.status, v.tests_passed) == (Status.TIMEOUT, 0)


def test_memory_bomb_is_a_memory_verdict(sandbox: ZygoteSandbox) -> None:
    code = "def add(a, b):\n    return len(bytearray(1 << 40))\n"
    v = verdict(sandbox, code, limits=Limits(wall_s=3, memory_mb=256))
    assert (v.status, v.tests_passed) == (Status.MEMORY, 0)


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("def add(a, b):\n    return a / 0\n", Status.FAIL),  # raises inside each test
        ("raise RuntimeError('boom')\n", Status.ERROR),  # crashes while loading
        ("import ctypes\nctypes.string_at(0)\n", Status.ERROR),  # segfaults while loading
        ("def add(a, b):\n    import ctypes\n    ctypes.string_at(0)\n", Status.ERROR),
    ],
)
def test_crashing_candidates_never_pass(sandbox: ZygoteSandbox, code: str, status: Status) -> None:
    v = verdict(sandbox, code)
    assert (v.status, v.tests_passed) == (status, 0)


def test_syntax_error_is_a_compile_error(sandbox: ZygoteSandbox) -> None:
    v = verdict(sandbox, "def add(a, b)\n    return a + b\n")
    assert (v.status, v.tests_total) == (Status.COMPILE_ERROR, 3)
    assert "SyntaxError" in v.stderr_tail


def test_missing_entry_point_is_named(sandbox: ZygoteSandbox) -> None:
    v = verdict(sandbox, "def plus(a, b):\n    return a + b\n", entry_point="add")
    assert v.status is Status.ERROR and "no function named 'add'" in v.stderr_tail


def test_setup_and_candidate_alias_and_block_tests(sandbox: ZygoteSandbox) -> None:
    tests = [
        "assert candidate(1, 2) == 3",  # raw HumanEval style
        "assert math.isclose(add(0.1, 0.2), 0.3)",
        "for i in range(5):\n    assert add(i, i) == double(i)",
        "assert 7 == add(3, 4)",  # literal on the left
    ]
    setup = "import math\ndef double(x):\n    return 2 * x"
    v = verdict(sandbox, GOOD, tests, setup=setup, entry_point="add")
    assert (v.status, v.tests_passed) == (Status.PASS, 4)


def test_floats_match_within_the_documented_tolerance(sandbox: ZygoteSandbox) -> None:
    code = "def add(a, b):\n    return a + b\n"
    ok = verdict(
        sandbox, code, ["assert add(0.1, 0.2) == 0.3", "assert add([0.1], [0.2]) == [0.1, 0.2]"]
    )
    assert ok.status is Status.PASS
    off = verdict(sandbox, code, ["assert add(0.1, 0.2) == 0.3001"])
    assert off.status is Status.FAIL


def test_verdicts_are_the_same_every_run(sandbox: ZygoteSandbox) -> None:
    code = "def add(a, b):\n    return sorted({str(a), str(b), 'x', 'y'})\n"
    tests = ["assert add(1, 2) == ['1', '2', 'x', 'y']", "assert add(1, 1) == 3"]
    runs = {verdict(sandbox, code, tests).outcomes for _ in range(3)}
    assert len(runs) == 1
    (outcomes,) = runs
    assert [o.status for o in outcomes] == [Status.PASS, Status.FAIL]


def test_parse_test_keeps_expected_values_out_of_the_payload() -> None:
    t = parse_test("assert f(1, [2]) == {'a': (1, 2.5)}")
    assert (t.kind, t.expr, t.expected) == ("value", "f(1, [2])", {"a": (1, 2.5)})
    assert parse_test("assert f(1) is None").op == "is"
    assert parse_test("assert f(1) > 2").kind == "block"
    assert parse_test("assert (").kind == "invalid"
    assert same_value([1.0, (2, 3.0000000001)], [1, (2, 3.0)])
    assert not same_value([1], (1,)) and not same_value(True, "True")
