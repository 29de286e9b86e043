"""ParEval problems: serial baselines submitted as their own translations pass on the
validated drivers; planted wrong OpenMP translations of a real problem are caught."""

from __future__ import annotations

import pytest

from assay.schemas.records import Status
from assay.verifiers.sandbox import Limits
from assay.verifiers.translation import TranslationChecker, TranslationConfig, TranslationItem
from assay.verifiers.translation.pareval import load_problems, to_item

pytestmark = pytest.mark.benchmarks
QUICK = ("25_reduce_xor", "27_reduce_average", "58_transform_squaring")
AVERAGE_MISSING_REDUCTION = """
#include <omp.h>
double average(std::vector<double> const& x) {
    double sum = 0.0;
    #pragma omp parallel for
    for (size_t i = 0; i < x.size(); i++) sum += x[i];
    return sum / x.size();
}
"""
AVERAGE_CALLS_ORACLE = """
double correctAverage(std::vector<double> const& x);
double average(std::vector<double> const& x) { return correctAverage(x); }
"""


@pytest.fixture(scope="module")
def problems(pareval_root):
    return {p.name: p for p in load_problems(pareval_root)}


def test_importer_finds_all_sixty(problems, pareval_root) -> None:
    assert len(problems) == 60
    item = TranslationItem(**to_item(problems["27_reduce_average"], pareval_root))
    assert "average(std::vector<double> const& x) {" in item.source
    assert "correctAverage" not in item.source
    assert item.header.rstrip().endswith(";")


@pytest.fixture(scope="module")
def checker() -> TranslationChecker:
    return TranslationChecker(TranslationConfig(threads=(1, 2, 4), repeats=2))


@pytest.mark.parametrize("name", QUICK)
def test_baseline_as_its_own_translation_passes(name, problems, pareval_root, checker, sandbox):
    item = TranslationItem(**to_item(problems[name], pareval_root))
    verdict = checker.check(item, sandbox, Limits(wall_s=20, cpu_s=40, memory_mb=2048))
    assert verdict.status is Status.PASS, (verdict.evidence, verdict.stderr_tail)
    assert verdict.evidence["input_sizes"]["cpu_driver"] >= 256


@pytest.mark.parametrize(
    ("text", "expected"),
    [(AVERAGE_MISSING_REDUCTION, Status.FAIL), (AVERAGE_CALLS_ORACLE, Status.COMPILE_ERROR)],
)
def test_wrong_average_translations(text, expected, problems, pareval_root, checker, sandbox):
    # ParEval's own 1024 elements do not expose the race here; 4M elements do.
    item = TranslationItem(
        **to_item(problems["27_reduce_average"], pareval_root, text, test_size=1 << 22)
    )
    verdict = checker.check(item, sandbox, Limits(wall_s=20, cpu_s=40, memory_mb=2048))
    assert verdict.status is expected, (verdict.outcomes, verdict.stderr_tail)


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_all_sixty_baselines(problems, pareval_root, sandbox) -> None:
    """Every baseline passes unless ParEval's own driver fails validation; 48's driver writes
    into a cleared vector (`test.clear()` before the call), which the sanitizers catch."""
    checker = TranslationChecker(TranslationConfig(repeats=1))  # the planted tests cover races
    limits = Limits(wall_s=60, cpu_s=120, memory_mb=2048)
    statuses, rejected = {}, {}
    for name, problem in sorted(problems.items()):
        verdict = checker.check(TranslationItem(**to_item(problem, pareval_root)), sandbox, limits)
        statuses[name] = verdict.status
        if verdict.status is Status.NOT_VERIFIED:
            rejected[name] = verdict.evidence["tests_rejected"]["cpu_driver"]
    assert set(statuses.values()) <= {Status.PASS, Status.NOT_VERIFIED}, statuses
    assert all("sanitizers" in why for why in rejected.values()), rejected
    assert sum(s is Status.PASS for s in statuses.values()) >= 59, rejected
