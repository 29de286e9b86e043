"""Planted OpenMP translations of one serial sum and one histogram: right ones pass, wrong,
hanging and cheating ones get the status that names what they did."""

from __future__ import annotations

import pytest
import translation_cases as cases

from assay.schemas.records import Status
from assay.verifiers.translation import TranslationChecker, TranslationItem


@pytest.fixture(scope="module")
def checker() -> TranslationChecker:
    return TranslationChecker()  # shared: the sum's tests are validated once


PLANTED = [
    ("GOOD_SUM", Status.PASS),
    ("MISSING_REDUCTION", Status.FAIL),
    ("OFF_BY_ONE", Status.FAIL),
    ("SKIPS_ITERATIONS", Status.FAIL),
    ("HANGS", Status.TIMEOUT),
    ("PRINTS_FAKE", Status.FAIL),
    ("EXITS_EARLY", Status.CHEAT),
    ("FORGES_RESULTS", Status.CHEAT),
    ("READS_EXPECTED", Status.FAIL),
    ("OWN_MAIN", Status.FAIL),
]


RACY = ("MISSING_REDUCTION",)
CHECKS_FOR_A_RACE = 3  # a race shows only when threads really overlap; a busy machine may hide it


def check_racy(checker, item, sandbox, limits, racy: bool):
    """One check; for a racy candidate, up to CHECKS_FOR_A_RACE until one run exposes it."""
    for _ in range(CHECKS_FOR_A_RACE if racy else 1):
        verdict = checker.check(item, sandbox, limits)
        if verdict.status is not Status.PASS:
            break
    return verdict


@pytest.mark.parametrize(("name", "expected"), PLANTED)
def test_planted_sum(name, expected, checker, sandbox, limits) -> None:
    item = TranslationItem(**cases.sum_item(getattr(cases, name)))
    verdict = check_racy(checker, item, sandbox, limits, name in RACY)
    assert verdict.status is expected, (verdict.outcomes, verdict.stderr_tail)
    assert verdict.evidence["level"] == "ran_cpu"
    assert verdict.evidence["tests_validated"] == ["random"]
    assert verdict.evidence["threads"] == [1, 2, 4, 8]
    if expected is Status.PASS:
        assert verdict.tests_passed == verdict.tests_total == 1
    else:
        assert verdict.tests_passed == 0
        assert verdict.outcomes[0].detail.startswith("threads=")
    if name == "MISSING_REDUCTION":  # right on one thread: only more threads expose it
        assert verdict.evidence["mismatches"]["random"]["threads"] > 1


def test_dropped_tail_is_not_hidden_by_the_tolerance(checker, sandbox, limits) -> None:
    """SKIPS_ITERATIONS loses one element of ~3.7M at 2 threads (relative error ~1e-7)."""
    item = TranslationItem(**cases.sum_item(cases.SKIPS_ITERATIONS))
    verdict = checker.check(item, sandbox, limits)
    assert verdict.status is Status.FAIL
    assert verdict.evidence["mismatches"]["random"]["threads"] == 2


@pytest.mark.parametrize(
    ("text", "expected"), [(cases.HIST_GOOD, Status.PASS), (cases.HIST_RACE, Status.FAIL)]
)
def test_histogram_race_on_shared_bins(text, expected, checker, sandbox, limits) -> None:
    item = TranslationItem(**cases.hist_item(text))
    verdict = check_racy(checker, item, sandbox, limits, expected is Status.FAIL)
    assert verdict.status is expected, verdict.outcomes


@pytest.mark.parametrize(
    "text",
    [
        cases.translation("    return x.size() +;"),  # does not parse
        cases.GOOD_SUM.replace("double total(", "double sum_all("),  # no `total` to link
    ],
)
def test_compile_and_link_errors(text, checker, sandbox, limits) -> None:
    verdict = checker.check(TranslationItem(**cases.sum_item(text)), sandbox, limits)
    assert verdict.status is Status.COMPILE_ERROR
    assert verdict.evidence["level"] == "none"
    assert "error" in verdict.stderr_tail
