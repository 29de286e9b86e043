"""Every language on the real toolchains: right, wrong, endless, compile error, runtime error,
over memory, and deep recursion (which passes only with a stack as large as the memory limit)."""

from __future__ import annotations

import re

import pytest
from programs import BROKEN, CRASH, DEEP, DEEP_OUT, ENDLESS, HOG, SUM, WRONG, needs

from assay.schemas.records import Status
from assay.verifiers.program.judge import judge, run_limits
from assay.verifiers.program.languages import toolchain
from assay.verifiers.python.stdio import IOTest

LANGS = sorted(SUM)
TESTS = [IOTest("1 2\n", "3\n"), IOTest("10 -4", "6")]
LIMITS = run_limits(2.0, 256)


def _judge(box, cache, lang, code, tests=TESTS, limits=LIMITS):
    needs(lang)
    return judge("c1", lang, code, tests, box, limits, cache)


@pytest.mark.parametrize("lang", LANGS)
def test_a_right_program_passes_with_its_toolchain_recorded(box, cache, lang) -> None:
    verdict = _judge(box, cache, lang, SUM[lang])
    assert verdict.status is Status.PASS, verdict
    assert verdict.tests_passed == 2 and verdict.verifier == "program"
    assert verdict.evidence["language"] == lang and verdict.evidence["toolchain"]
    assert verdict.evidence["memory_limit"] == box.memory_limit
    assert verdict.isolation.endswith(box.memory_limit)


@pytest.mark.parametrize("lang", LANGS)
def test_a_wrong_program_fails_with_what_it_printed(box, cache, lang) -> None:
    verdict = _judge(box, cache, lang, WRONG[lang])
    assert verdict.status is Status.FAIL and verdict.tests_passed == 0
    assert "expected '3\\n', got '-1" in verdict.outcomes[0].detail


OVER = {  # a program past one of its limits, the limits it runs under, and the status it gets
    "endless": (ENDLESS, run_limits(1.0, 256), Status.TIMEOUT),
    "memory": (HOG, run_limits(5.0, 128), Status.MEMORY),  # touches 1 GiB
}


@pytest.mark.parametrize("over", OVER)
@pytest.mark.parametrize("lang", LANGS)
def test_a_program_over_a_limit_gets_that_limits_status(box, cache, lang, over) -> None:
    programs, limits, status = OVER[over]
    verdict = _judge(box, cache, lang, programs[lang], TESTS[:1], limits)
    assert verdict.status is status, verdict


@pytest.mark.parametrize("lang", LANGS)
def test_a_program_that_does_not_build_is_a_compile_error(box, cache, lang) -> None:
    verdict = _judge(box, cache, lang, BROKEN[lang])
    assert verdict.status is Status.COMPILE_ERROR and verdict.stderr_tail
    assert verdict.outcomes == () and verdict.tests_total == 2


@pytest.mark.parametrize("lang", LANGS)
def test_a_program_that_crashes_is_an_error(box, cache, lang) -> None:
    verdict = _judge(box, cache, lang, CRASH[lang], TESTS[:1])
    assert verdict.status is Status.ERROR, verdict
    assert "boom" in verdict.outcomes[0].detail or lang == "c"


@pytest.mark.parametrize("lang", LANGS)
def test_deep_recursion_passes_with_a_stack_as_large_as_the_memory_limit(box, cache, lang) -> None:
    verdict = _judge(box, cache, lang, DEEP[lang], [IOTest("", DEEP_OUT)])
    assert verdict.status is Status.PASS, verdict


@pytest.mark.parametrize("lang", LANGS)
def test_each_toolchain_is_named_with_its_version(lang) -> None:
    needs(lang)
    assert re.fullmatch(r"[A-Za-z+]+ v?\d+\.\d+(\.\d+)?", toolchain(lang)), toolchain(lang)
