"""stdin/stdout programs on planted candidates: right, wrong, right plus junk, reading more input
than given, hanging, flooding, writing files and reaching the network; and the checkers."""

from __future__ import annotations

import pytest

from assay.schemas.records import Status
from assay.verifiers.python.check import PythonItem, PythonVerifier
from assay.verifiers.python.stdio import IOTest, check_stdio, decode_test, same_output
from assay.verifiers.sandbox import Limits

LIMITS = Limits(wall_s=3, cpu_s=3, memory_mb=256)
SUM = "a, b = map(int, input().split())\nprint(a + b)\n"
TESTS = [IOTest("1 2\n", "3\n").encode(), IOTest("10 -4\n", "6\n").encode()]


def _check(sandbox, code: str, tests=TESTS, checker: str = "tokens", **kw):
    return check_stdio("c", code, tests, sandbox, LIMITS, checker, **kw)


def test_a_right_program_passes_every_test(sandbox) -> None:
    verdict = _check(sandbox, SUM)
    assert verdict.status is Status.PASS and verdict.tests_passed == 2
    assert [o.status for o in verdict.outcomes] == [Status.PASS, Status.PASS]
    assert verdict.isolation and verdict.evidence == {"kind": "stdio", "checker": "tokens"}


def test_a_wrong_program_fails_with_what_it_printed(sandbox) -> None:
    verdict = _check(sandbox, "a, b = map(int, input().split())\nprint(a - b)\n")
    assert verdict.status is Status.FAIL and verdict.tests_passed == 0
    assert "expected '3\\n', got '-1\\n'" in verdict.outcomes[0].detail


def test_the_right_answer_plus_junk_is_for_the_checker_to_judge(sandbox) -> None:
    junk = SUM + "print('debug: done')\n"
    assert _check(sandbox, junk).status is Status.FAIL
    assert _check(sandbox, junk, checker="exact").status is Status.FAIL
    spaced = "a, b = map(int, input().split())\nprint(' ', a + b, ' ')\n"
    assert _check(sandbox, spaced).status is Status.PASS  # tokens: whitespace aside
    assert _check(sandbox, spaced, checker="exact").status is Status.FAIL


def test_reading_more_input_than_given_fails_and_does_not_hang(sandbox) -> None:
    greedy = "a, b = map(int, input().split())\nc = int(input())\nprint(a + b + c)\n"
    verdict = _check(sandbox, greedy)
    assert verdict.status is Status.FAIL
    assert verdict.outcomes[0].status is Status.ERROR and "EOFError" in verdict.outcomes[0].detail


def test_a_hanging_program_times_out(sandbox) -> None:
    verdict = _check(sandbox, "while True:\n    pass\n", tests=TESTS[:1])
    assert verdict.status is Status.TIMEOUT and verdict.outcomes[0].status is Status.TIMEOUT


def test_a_flooding_program_is_cut_and_fails(sandbox) -> None:
    verdict = _check(sandbox, "import sys\nwhile True:\n    sys.stdout.write('3\\n' * 4096)\n",
                     tests=TESTS[:1])  # fmt: skip
    assert verdict.status in (Status.FAIL, Status.TIMEOUT)
    assert verdict.tests_passed == 0


def test_files_and_network_are_out_of_reach(sandbox, tmp_path) -> None:
    target = tmp_path / "escaped"
    tmp_path.chmod(0o777)
    probe = (
        "import socket\nok = []\n"
        f"try:\n    open({str(target)!r}, 'w').write('x')\n    ok.append('file')\n"
        "except OSError:\n    pass\n"
        "try:\n    socket.create_connection(('127.0.0.1', 22), timeout=1)\n    ok.append('net')\n"
        "except OSError:\n    pass\n"
        "print(' '.join(ok) or 'contained')\n"
    )
    verdict = _check(sandbox, probe, tests=[IOTest("", "contained\n").encode()])
    assert verdict.status is Status.PASS, verdict.outcomes
    assert not target.exists()


def test_floats_compare_within_tolerance() -> None:
    assert same_output("0.3333333\n", "0.33333333333\n", "floats", 1e-6)
    assert not same_output("0.34\n", "0.3333\n", "floats", 1e-6)
    assert not same_output("0.3333333\n", "0.33333333333\n", "tokens")
    assert same_output("YES 1.0", "YES 1", "floats") and not same_output("NO 1", "YES 1", "floats")
    assert same_output("3", "3\n", "exact") and not same_output("3\n\n", "3\n", "exact")


def test_bad_tests_and_bad_code_say_what_is_wrong(sandbox) -> None:
    with pytest.raises(ValueError, match="stdin and stdout"):
        decode_test('{"stdin": 1}')
    verdict = _check(sandbox, SUM, tests=["not json", TESTS[0]])
    assert verdict.outcomes[0].status is Status.ERROR and verdict.tests_passed == 1
    assert _check(sandbox, "def (:\n").status is Status.COMPILE_ERROR
    with pytest.raises(ValueError, match="unknown stdio checker"):
        _check(sandbox, SUM, checker="fuzzy")


def test_the_python_verifier_runs_stdio_items(sandbox) -> None:
    item = PythonItem(id=1, code=SUM, tests=TESTS, stdio=True, checker="exact")
    assert PythonVerifier().check(item, sandbox, LIMITS).status is Status.PASS
