"""Planted model answers for the translation flow's tests: drivers and OpenMP translations of the
bundled `sum_array` seed, right, racy and degenerate, and a generator that returns them.

Only the model is planted; every check goes through the real `translation` verifier (gcc,
OpenMP, the sandbox) on the engine's check lane (`Compute.local`: sandboxes on threads).
"""

from __future__ import annotations

from planted import Planted


def driver(n: int, salt: int = 0) -> str:
    return f"""
#include <cstdlib>
void assay_test() {{
    srand((unsigned)assay::seed() + {salt});
    std::vector<double> x({n});
    for (auto &v : x) v = rand() / (double)RAND_MAX;
    assay::observe(x);
    assay::emit("sum", sum_array(x));
}}
"""


def translation(pragma: str) -> str:
    return f"""
#include <cstddef>
#include <vector>
double sum_array(std::vector<double> const& x) {{
    double s = 0.0;
    {pragma}
    for (std::size_t i = 0; i < x.size(); i++) s += x[i];
    return s;
}}
"""


GOOD_DRIVER = driver(1 << 16)
DEGENERATE_DRIVER = driver(1)  # MuSL's own samples look like this: passes a racy kernel
SECOND_DRIVER = driver(1 << 15, salt=7)
GOOD = translation("#pragma omp parallel for reduction(+:s)")
MISSING_REDUCTION = translation("#pragma omp parallel for")

# request kind (the role's part of the request key) -> completions
PLANTED = {
    "tester0": [
        f"Here is a test:\n```cpp\n{GOOD_DRIVER}```",
        f"```cpp\n{DEGENERATE_DRIVER}```",
    ],
    "tester1": [f"```cpp\n{SECOND_DRIVER}```"],
    "translator0": [f"```cpp\n{MISSING_REDUCTION}```", "I cannot parallelize this."],
    "repair1": [f"Fixed:\n```cpp\n{GOOD}```"],
}


class PlantedGenerator(Planted):
    """Planted completions in place of a model, keyed by the request key's role part; records
    every prompt it was shown."""

    def texts(self, task_id: str, kind: str) -> list[str]:
        return PLANTED[kind]
