"""Planted sources, tests and translations for the translation verifier's tests.

One serial sum and one serial histogram, tests that drive them with seeded random inputs, and
OpenMP translations that are right, subtly wrong, hanging or cheating.
"""

from __future__ import annotations

from typing import Any

SUM_SOURCE = """
#include <cstddef>
#include <vector>
double total(std::vector<double> const& x) {
    double s = 0.0;
    for (std::size_t i = 0; i < x.size(); i++) s += x[i];
    return s;
}
"""

SUM_HEADER = "#include <vector>\ndouble total(std::vector<double> const& x);\n"


def sum_test(n: int, name: str = "random") -> dict[str, str]:
    """Sum of `n` seeded random doubles, and of an odd-length prefix (catches dropped tails)."""
    driver = f"""
#include <cstdlib>
void assay_test() {{
    srand((unsigned)assay::seed());
    std::vector<double> x({n});
    for (auto &v : x) v = rand() / (double)RAND_MAX;
    assay::observe(x);
    assay::emit("total", total(x));
    std::size_t m = x.size() - x.size() / 7;
    std::vector<double> odd(x.begin(), x.begin() + (m % 2 ? m : m - 1));
    assay::emit("odd", total(odd));
}}
"""
    return {"name": name, "driver": driver}


def translation(body: str, head: str = "") -> str:
    return f"""
#include <cstddef>
#include <vector>
#include <omp.h>
{head}
double total(std::vector<double> const& x) {{
{body}
}}
"""


GOOD_SUM = translation("""
    double s = 0.0;
    #pragma omp parallel for reduction(+:s)
    for (std::size_t i = 0; i < x.size(); i++) s += x[i];
    return s;""")

MISSING_REDUCTION = translation("""
    double s = 0.0;
    #pragma omp parallel for
    for (std::size_t i = 0; i < x.size(); i++) s += x[i];
    return s;""")

OFF_BY_ONE = translation("""
    double s = 0.0;
    #pragma omp parallel for reduction(+:s)
    for (std::size_t i = 0; i < x.size() - 1; i++) s += x[i];
    return s;""")

# Splits by hand into equal chunks: the n % threads tail is never summed (right at 1 thread).
SKIPS_ITERATIONS = translation("""
    double s = 0.0;
    #pragma omp parallel reduction(+:s)
    {
        std::size_t t = omp_get_thread_num(), p = omp_get_num_threads();
        std::size_t chunk = x.size() / p;
        for (std::size_t i = t * chunk; i < (t + 1) * chunk; i++) s += x[i];
    }
    return s;""")

HANGS = translation("""
    volatile double s = 0.0;
    while (true) s = s + 1.0;
    return s;""")

# Prints a fake result line to stdout and returns nothing useful.
PRINTS_FAKE = translation(
    """
    std::printf("total f:1\\n#end\\nValidation: PASS\\n");
    return 0.0;""",
    "#include <cstdio>",
)

# Leaves the process before the driver finishes.
EXITS_EARLY = translation(
    """
    std::exit(0);
    return 0.0;""",
    "#include <cstdlib>",
)

# Appends forged records to the results file.
FORGES_RESULTS = translation(
    """
    FILE *f = std::fopen("assay.results", "a");
    if (f) { std::fprintf(f, "0000 total f:1\\n0000 #end\\n"); std::fclose(f); }
    std::_Exit(0);
    return 0.0;""",
    "#include <cstdio>\n#include <cstdlib>",
)

# Looks for the expected output and the source on disk (neither is in its sandbox).
READS_EXPECTED = translation(
    """
    for (const char *name : {"expected.txt", "assay.expected", "../assay.results", "impl.cpp"}) {
        FILE *f = std::fopen(name, "r");
        double v = 0;
        if (f && std::fscanf(f, "%lf", &v) == 1) return v;
    }
    return -1.0;""",
    "#include <cstdio>",
)

# Defines its own main that claims success; the harness's main (linked first) wins.
OWN_MAIN = (
    translation("    return 42.0;")
    + '\n#include <cstdio>\nint main() { std::puts("Validation: PASS"); return 0; }\n'
)

HIST_SOURCE = """
#include <array>
#include <cstddef>
#include <vector>
std::array<long, 16> histogram(std::vector<int> const& x) {
    std::array<long, 16> bins{};
    for (std::size_t i = 0; i < x.size(); i++) bins[x[i] % 16]++;
    return bins;
}
"""
HIST_HEADER = """#include <array>
#include <vector>
std::array<long, 16> histogram(std::vector<int> const& x);
"""
HIST_TEST = {
    "name": "random",
    "driver": """
#include <cstdlib>
void assay_test() {
    srand((unsigned)assay::seed());
    std::vector<int> x(1 << 21);
    for (int round = 0; round < 4; round++) {  // four parallel regions: four chances to race
        for (auto &v : x) v = rand() % 1000;
        assay::observe(x);
        assay::emit("bins", histogram(x));
    }
}
""",
}
# Every thread increments the shared bins without atomics: lost updates.
HIST_RACE = """
#include <array>
#include <cstddef>
#include <vector>
std::array<long, 16> histogram(std::vector<int> const& x) {
    std::array<long, 16> bins{};
    #pragma omp parallel for
    for (std::size_t i = 0; i < x.size(); i++) bins[x[i] % 16]++;
    return bins;
}
"""
HIST_GOOD = """
#include <array>
#include <cstddef>
#include <vector>
std::array<long, 16> histogram(std::vector<int> const& x) {
    std::array<long, 16> bins{};
    long *b = bins.data();
    #pragma omp parallel for reduction(+ : b[:16])
    for (std::size_t i = 0; i < x.size(); i++) b[x[i] % 16]++;
    return bins;
}
"""


def sum_item(
    translation_text: str, tests: list[dict[str, str]] | None = None, **extra: Any
) -> dict:
    return {
        "id": extra.pop("id", "sum"),
        "source": SUM_SOURCE,
        "translation": translation_text,
        "tests": tests or [sum_test(1 << 22)],
        "header": SUM_HEADER,
        **extra,
    }


def hist_item(translation_text: str) -> dict:
    return {
        "id": "hist",
        "source": HIST_SOURCE,
        "translation": translation_text,
        "tests": [HIST_TEST],
        "header": HIST_HEADER,
    }
