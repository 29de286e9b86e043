"""Planted model answers for the translation flow's tests: drivers and OpenMP translations of the
bundled `sum_array` seed, right, racy and degenerate, and a `Compute` that returns them.

Only the model is planted; every check goes through the real `translation` verifier (gcc,
OpenMP, the sandbox) by the production path (`run_checks`, in-process when Ray is not running).
"""

from __future__ import annotations

from collections.abc import Iterator

from assay.flows.translation_flow import TranslationCompute
from assay.schemas.records import Role
from assay.workers.api import Completion, Request


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


class PlantedCompute(TranslationCompute):
    """Planted completions in place of a model; checks are the real ones."""

    def __init__(self) -> None:
        super().__init__(generator=None, pool=1)
        self.prompts: list[str] = []

    def generate(
        self, groups: dict[str, list[tuple[Role, Request]]]
    ) -> Iterator[tuple[str, list[Completion]]]:
        for task_id, pairs in groups.items():
            out = []
            for _, request in pairs:
                self.prompts.append(request.messages[-1]["content"])
                texts = PLANTED[request.key.split(":")[1]]
                out.append(Completion(request.key, tuple(texts[: request.sampling.n]), "planted"))
            yield task_id, out
