"""Tests are validated on the source before any translation is judged: broken, unsafe,
nondeterministic and degenerate tests are rejected, with the reason in the evidence."""

from __future__ import annotations

import pytest
import translation_cases as cases

from assay.schemas.records import Status
from assay.verifiers.translation import TranslationChecker, TranslationItem

# Doubles only element 0: what a CUDA kernel that ignores its thread index computes.
FIRST_ONLY = """
#include <cstddef>
#include <vector>
void twice(std::vector<double>& x) { if (!x.empty()) x[0] *= 2; }
"""
TWICE_SOURCE = """
#include <cstddef>
#include <vector>
void twice(std::vector<double>& x) { for (std::size_t i = 0; i < x.size(); i++) x[i] *= 2; }
"""
TWICE_HEADER = "#include <vector>\nvoid twice(std::vector<double>& x);\n"


def twice_test(n: int, name: str) -> dict[str, str]:
    driver = f"""
void assay_test() {{
    std::vector<double> x({n}, 1.5);
    twice(x);
    assay::emit("x", x);
}}
"""
    return {"name": name, "driver": driver}


def body_test(name: str, body: str) -> dict[str, str]:
    return {
        "name": name,
        "driver": f"#include <cstdlib>\n#include <ctime>\nvoid assay_test() {{\n{body}\n}}\n",
    }


BROKEN = {
    "out_of_bounds": """
    std::vector<double> x(1000, 1.0);
    double *p = x.data();
    assay::observe(x);
    assay::emit("t", total(x) + p[1000]);""",
    "signed_overflow": """
    std::vector<double> x(1000, 1.0);
    assay::observe(x);
    int big = 2147483600 + (int)(assay::seed() % 2 + 100);
    assay::emit("t", total(x), big);""",
    "nondeterministic": """
    std::vector<double> x(1000, 1.0);
    assay::observe(x);
    static int marker;
    assay::emit("t", total(x), (long)(std::clock() ^ (long)&marker ^ (long)std::time(nullptr)));""",
    "does_not_compile": """
    assay::emit("t", total(undeclared));""",
    "records_nothing": """
    std::vector<double> x(1000, 1.0);
    assay::observe(x);
    (void)total(x);""",
}
REASONS = {
    "out_of_bounds": "AddressSanitizer",
    "signed_overflow": "runtime error",
    "nondeterministic": "not deterministic",
    "does_not_compile": "does not compile",
    "records_nothing": "records nothing",
}


@pytest.fixture(scope="module")
def checker() -> TranslationChecker:
    return TranslationChecker()


def test_broken_tests_are_rejected_and_the_good_one_kept(checker, sandbox, limits) -> None:
    tests = [body_test(name, body) for name, body in BROKEN.items()] + [cases.sum_test(1 << 16)]
    item = TranslationItem(**cases.sum_item(cases.GOOD_SUM, tests))
    verdict = checker.check(item, sandbox, limits)
    assert verdict.status is Status.PASS
    assert verdict.evidence["tests_validated"] == ["random"]
    rejected = verdict.evidence["tests_rejected"]
    assert set(rejected) == set(BROKEN)
    for name, mark in REASONS.items():
        assert mark in rejected[name], (name, rejected[name])
    statuses = {o.name: o.status for o in verdict.outcomes}
    assert statuses == {"random": Status.PASS, **{n: Status.REJECTED for n in BROKEN}}


def test_degenerate_test_cannot_certify_a_thread_ignoring_translation(
    checker, sandbox, limits
) -> None:
    """On a 1-element input, doubling only x[0] is right; the test is rejected, so the
    translation is not_verified, and a real-sized test shows it wrong."""
    tiny = {"id": "tiny", "source": TWICE_SOURCE, "translation": FIRST_ONLY,
            "tests": [twice_test(1, "one_element")], "header": TWICE_HEADER}  # fmt: skip
    verdict = checker.check(TranslationItem(**tiny), sandbox, limits)
    assert verdict.status is Status.NOT_VERIFIED
    assert "degenerate" in verdict.evidence["tests_rejected"]["one_element"]
    assert verdict.evidence["level"] == "none"
    sized = {**tiny, "tests": [twice_test(4096, "sized")]}
    assert checker.check(TranslationItem(**sized), sandbox, limits).status is Status.FAIL


def test_source_that_does_not_compile_verifies_nothing(checker, sandbox, limits) -> None:
    item = TranslationItem(**{**cases.sum_item(cases.GOOD_SUM), "source": "double total(}"})
    verdict = checker.check(item, sandbox, limits)
    assert verdict.status is Status.NOT_VERIFIED
    assert "source does not compile" in verdict.evidence["tests_rejected"]["random"]


def test_c_source_with_a_cpp_driver(checker, sandbox, limits) -> None:
    source = "long count_even(const int *x, long n) { long c = 0;\n"
    source += "for (long i = 0; i < n; i++) c += x[i] % 2 == 0; return c; }\n"
    translation = source.replace("for (long", "#pragma omp parallel for reduction(+:c)\nfor (long")
    driver = """
#include <vector>
void assay_test() {
    std::vector<int> x(100000);
    for (size_t i = 0; i < x.size(); i++) x[i] = (int)((i * 2654435761u) % 1000);
    assay::observe(x);
    assay::emit("even", count_even(x.data(), (long)x.size()));
}
"""
    item = {"id": "c", "source": source, "translation": translation, "language": "c",
            "header": "long count_even(const int *x, long n);",
            "tests": [{"name": "hashing", "driver": driver}]}  # fmt: skip
    verdict = checker.check(TranslationItem(**item), sandbox, limits)
    assert verdict.status is Status.PASS, (verdict.evidence, verdict.stderr_tail)
