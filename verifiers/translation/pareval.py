"""ParEval problems as translation items: the serial baseline is the source, and the problem's
own correctness driver (cpu.cc) becomes a recording test.

The driver is trusted ParEval code with three changes: every call of the function under test
goes through a recorder that records what it returns and every non-const reference argument it
wrote (inputs are only measured, for the degeneracy check); `rand()` is seeded with the run's
seed; and N×N tests are capped at `MATRIX_CAP` rows so that outputs stay small. ParEval's own
oracle stays in the driver with internal linkage, and its verdict is recorded as `valid`. Only
OpenMP is imported: ParEval's CUDA prompts ask for kernels, not for the host function the serial
tests call.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MATRIX_CAP = 128
PRELUDE = "".join(
    f"#include <{h}>\n"
    for h in (
        "algorithm", "array", "cassert", "cfloat", "climits", "cmath", "complex", "cstddef",
        "cstdint", "cstdlib", "functional", "limits", "map", "numeric", "queue", "random",
        "set", "stack", "string", "tuple", "unordered_map", "utility", "vector",
    )
)  # fmt: skip
_LOCAL_INCLUDE = re.compile(r'^\s*#include\s+"[^"]+".*$', re.MULTILINE)
_TEST_SIZE = re.compile(r"const size_t TEST_SIZE = (\d+);")


@dataclass(frozen=True)
class ParEvalProblem:
    """One ParEval problem as found under `pareval/` (prompts and drivers)."""

    name: str  # e.g. "25_reduce_xor"
    problem_type: str
    function: str  # the function the prompt asks for
    prompt: str  # the serial generation prompt (ends with the signature and "{")
    baseline: str  # baseline.hpp: the serial reference, named correctXxx
    driver: str  # cpu.cc: the correctness driver for serial/OpenMP/MPI


def load_problems(root: Path) -> list[ParEvalProblem]:
    """Every problem with a serial prompt and a CPU driver, in name order."""
    prompts = json.loads((root / "prompts" / "generation-prompts.json").read_text())
    problems = []
    for entry in sorted(prompts, key=lambda e: e["name"]):
        if entry["parallelism_model"] != "serial":
            continue
        folder = root / "drivers" / "cpp" / "benchmarks" / entry["problem_type"] / entry["name"]
        if not (folder / "cpu.cc").is_file():
            continue
        signature = entry["prompt"].rstrip().splitlines()[-1]
        function = re.search(r"(\w+)\s*\(", signature)
        if function is None:
            raise ValueError(f"{entry['name']}: no function in the prompt's last line")
        problems.append(
            ParEvalProblem(
                name=entry["name"],
                problem_type=entry["problem_type"],
                function=function.group(1),
                prompt=entry["prompt"],
                baseline=(folder / "baseline.hpp").read_text(),
                driver=(folder / "cpu.cc").read_text(),
            )
        )
    return problems


def _prefix(problem: ParEvalProblem) -> tuple[str, str]:
    lines = problem.prompt.rstrip().splitlines()
    return "\n".join(lines[:-1]), lines[-1].rstrip().removesuffix("{").rstrip()


def oracle_name(problem: ParEvalProblem) -> str:
    """The baseline function named after the prompt's (`correctXxx`): the serial source."""
    want = "correct" + problem.function.lower()
    for name in re.findall(r"\b(correct\w+)\s*\(", problem.baseline):
        if name.lower() == want:
            return name
    names = sorted(set(re.findall(r"\b(correct\w+)\s*\(", problem.baseline)))
    if len(names) == 1:  # e.g. fftConjugate's baseline is correctFft
        return names[0]
    raise ValueError(f"{problem.name}: no single correctXxx baseline for {problem.function}")


def serial_source(problem: ParEvalProblem) -> str:
    """The baseline renamed to the prompt's function, after the prompt's types and helpers."""
    prefix, _ = _prefix(problem)
    body = problem.baseline.replace("#pragma once", "").replace("NO_INLINE", "")
    body = re.sub(rf"\b{oracle_name(problem)}\b", problem.function, body)
    return f"{prefix}\n{body}\n"


def interface(problem: ParEvalProblem) -> str:
    """What a driver needs: the prompt's types and helpers, and the function's prototype."""
    prefix, signature = _prefix(problem)
    return f"{PRELUDE}{prefix}\n{signature};\n"


def _recorder(function: str) -> str:
    return f"""
namespace assay_pareval {{
template <class F> struct params;
template <class R, class... P> struct params<R (*)(P...)> {{ using type = std::tuple<P...>; }};
using Params = params<decltype(&::{function})>::type;
template <class P> constexpr bool is_out =
    std::is_lvalue_reference_v<P> && !std::is_const_v<std::remove_reference_t<P>>;
template <size_t I, class T> void record(T const &value) {{
    if constexpr (is_out<std::tuple_element_t<I, Params>>) assay::emit("out", value);
    else assay::observe(value);
}}
template <size_t... I, class... A> void record_all(std::index_sequence<I...>, A const &...a) {{
    (record<I>(a), ...);
}}
template <class... A> auto call(A &&...a) {{
    using R = decltype(::{function}(a...));
    if constexpr (std::is_void_v<R>) {{
        ::{function}(a...);
        record_all(std::index_sequence_for<A...>{{}}, a...);
    }} else {{
        R result = ::{function}(a...);
        assay::emit("return", result);
        record_all(std::index_sequence_for<A...>{{}}, a...);
        return result;
    }}
}}
}}  // namespace assay_pareval
"""


def _baseline(problem: ParEvalProblem) -> str:
    """The oracle and its helpers, with internal linkage: the driver's own check still runs,
    and the candidate (another translation unit) cannot call any of it."""
    text = problem.baseline.replace("#pragma once", "")
    includes = "\n".join(re.findall(r"^\s*#include\s*<[^>]+>", text, re.M))
    text = re.sub(r"^\s*#include\s*<[^>]+>", "", text, flags=re.M)
    return (
        f"{includes}\nnamespace {{\nnamespace assay_baseline {{\n{text}\n}}\n}}\n"
        "using namespace assay_baseline;\n"
    )


def test_driver(problem: ParEvalProblem, utilities: str, test_size: int | None = None) -> str:
    """cpu.cc as a recording test (see the module docstring). `test_size` replaces the
    driver's TEST_SIZE (not for N×N problems): ParEval's 1024 is too small to expose a missing
    reduction on a busy 2-core machine."""
    body = _LOCAL_INCLUDE.sub("", problem.driver)
    if "TEST_SIZE * TEST_SIZE" in body:
        body = _TEST_SIZE.sub(
            lambda m: f"const size_t TEST_SIZE = {min(int(m[1]), MATRIX_CAP)};", body
        )
    elif test_size is not None:
        body = _TEST_SIZE.sub(f"const size_t TEST_SIZE = {int(test_size)};", body)
    body = re.sub(rf"(?<![\w.:>]){problem.function}\s*\(", "assay_pareval::call(", body)
    return (
        "#define USE_SERIAL 1\n#define DRIVER_PROBLEM_SIZE 1024\n"
        f"{utilities.replace('#pragma once', '')}\n"
        f"{_baseline(problem)}{_recorder(problem.function)}\n{body}\n"
        "void assay_test() {\n    srand((unsigned)assay::seed());\n"
        "    Context *ctx = init();\n    bool ok = validate(ctx);\n"
        '    assay::emit("valid", ok);\n    destroy(ctx);\n}\n'
    )


def to_item(
    problem: ParEvalProblem,
    root: Path,
    translation: str | None = None,
    test_size: int | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """One input line for `assay verify translation`; without `translation` the serial
    baseline is submitted as its own translation (which must pass)."""
    utilities = (root / "drivers" / "cpp" / "utilities.hpp").read_text()
    source = serial_source(problem)
    return {
        "id": problem.name,
        "source": source,
        "translation": source if translation is None else translation,
        "tests": [{"name": "cpu_driver", "driver": test_driver(problem, utilities, test_size)}],
        "target": "openmp",
        "header": interface(problem),
        "prelude": PRELUDE,
        **extra,
    }
