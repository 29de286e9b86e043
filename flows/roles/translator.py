"""Translation roles (MuSL): translator (serial C/C++ → OpenMP), repairer (a failing translation
plus the verifier's mismatch evidence → a fixed one), tester (serial source → a test driver in
the verifier's format) and tester-repair (a rejected driver plus the reason → a new one).

The model sees the serial source and the interface the tests link against, never the trusted
tests. Drivers are asked for in the verifier's own format: `void assay_test()` recording results
with `assay::emit` and measured inputs with `assay::observe`.
"""

from __future__ import annotations

import re
from typing import Any

from assay.flows.roles import RoleSpec, register
from assay.flows.roles.fences import blocks_in
from assay.schemas.records import Status, Task, Verdict
from assay.workers.api import Request, Sampling

LANGS = frozenset({"cpp", "c++", "c", "cc", "cxx", ""})
SYSTEM = "You are an expert in C++ and OpenMP. You reply with code in one ```cpp block."
TRANSLATOR = (
    "{prompt}\n\nHere is a serial implementation:\n\n```cpp\n{source}\n```\n\n"
    "Write a parallel version with OpenMP that computes exactly the same results. Keep the same "
    "function signature ({fn}) and include what it needs. Reply with the whole code in one "
    "```cpp block."
)
REPAIRER = (
    "{prompt}\n\nHere is a serial implementation:\n\n```cpp\n{source}\n```\n\n"
    "This OpenMP translation is wrong:\n\n```cpp\n{failing}\n```\n\n{report}\n\n"
    "Fix it. Reply with the whole corrected code in one ```cpp block."
)
TESTER = (
    "{prompt}\n\nHere is the function to test:\n\n```cpp\n{source}\n```\n\n"
    "Write a test driver: C++ that defines `void assay_test()`. These declarations are already "
    "visible:\n\n```cpp\n{header}```\n\n"
    "Seed rand() with `srand((unsigned)assay::seed());`, build an input of at least {size} "
    "elements, call `assay::observe(input);`, call {fn} and record every result with "
    '`assay::emit("name", value);`. Do not define main. Reply with one ```cpp block.'
)
TESTER_REPAIR = TESTER + "\n\nThis earlier driver was rejected:\n\n```cpp\n{failing}\n```\n\n{why}"
HINTS = {
    Status.FAIL: "Its results differ from the serial code's.",
    Status.COMPILE_ERROR: "It does not compile or link with the test drivers.",
    Status.TIMEOUT: "It runs too long.",
    Status.MEMORY: "It uses too much memory.",
    Status.ERROR: "It crashed or exited with an error.",
    Status.CHEAT: "It exits early or writes results itself, which is not allowed.",
}
MAX_REPORT_CHARS = 1200
_OMP = re.compile(r"#\s*pragma\s+omp\b|\bomp_\w+\s*\(")
MIN_SIZE = 256  # the verifier's degeneracy bar (TranslationConfig.min_elements)


def _messages(user: str) -> tuple[dict[str, str], ...]:
    return ({"role": "system", "content": SYSTEM}, {"role": "user", "content": user})


def failure_report(verdict: Verdict) -> str:
    """Why a translation failed, from the verdict's evidence (first mismatch, compiler log)."""
    lines = [HINTS.get(verdict.status, f"Its check ended with status {verdict.status.value}.")]
    for name, where in (verdict.evidence.get("mismatches") or {}).items():
        if isinstance(where, dict):
            lines.append(f"Test {name}, {where.get('threads')} threads: {where.get('difference')}")
    bad = [o for o in verdict.outcomes if o.status not in (Status.PASS, Status.REJECTED)]
    lines += [f"Test {o.name}: {o.detail}" for o in bad[:2]]
    if verdict.status is Status.COMPILE_ERROR and verdict.stderr_tail.strip():
        lines.append("Compiler output (end):\n" + verdict.stderr_tail.strip()[-500:])
    return "\n".join(dict.fromkeys(lines))[:MAX_REPORT_CHARS]


def _fields(task: Task) -> dict[str, str]:
    return {
        "prompt": task.prompt.strip(),
        "source": task.reference.strip("\n"),
        "fn": task.entry_point,
        "header": task.setup if task.setup.endswith("\n") else task.setup + "\n",
        "size": str(MIN_SIZE * 4),
    }


def build_translator(task: Task, sampling: Sampling, key: str, **_: Any) -> Request:
    """Ask for an OpenMP version of the task's serial source."""
    return Request(key, _messages(TRANSLATOR.format(**_fields(task))), sampling)


def build_repairer(
    task: Task, sampling: Sampling, key: str, failing: str = "", verdict: Verdict | None = None,
    **_: Any,
) -> Request:  # fmt: skip
    """Ask for a fixed translation, showing the failing one and where its results differed."""
    if not failing.strip():
        raise ValueError("repairer: pass the failing translation as failing=<code>")
    report = failure_report(verdict) if verdict is not None else "It fails its tests."
    user = REPAIRER.format(**_fields(task), failing=failing.strip("\n"), report=report)
    return Request(key, _messages(user), sampling)


def build_tester(
    task: Task, sampling: Sampling, key: str, failing: str = "", why: str = "", **_: Any
) -> Request:
    """Ask for a test driver; with `failing`, show a rejected driver and the verifier's reason."""
    if failing.strip():
        user = TESTER_REPAIR.format(**_fields(task), failing=failing.strip("\n"), why=why)
    else:
        user = TESTER.format(**_fields(task))
    return Request(key, _messages(user), sampling)


def extract_code(text: str, task: Task) -> str | None:
    """The last C/C++ block that defines the entry point and uses OpenMP (translations). A
    block without OpenMP is dropped: the serial source copied back passes every check, and is
    no parallel translation (SmolLM2-135M does exactly that)."""
    found = [b for b in blocks_in(text, LANGS) if task.entry_point in b and _OMP.search(b)]
    return found[-1].strip("\n") + "\n" if found else None


def extract_driver(text: str, task: Task) -> str | None:
    """The last C/C++ block defining `assay_test` (drivers); a `main` is harmless (muldefs)."""
    found = [b for b in blocks_in(text, LANGS) if "assay_test" in b]
    return found[-1].strip("\n") + "\n" if found else None


TRANSLATOR_ROLE = register(RoleSpec("translation", "translator", build_translator, extract_code))
REPAIRER_ROLE = register(RoleSpec("translation", "repairer", build_repairer, extract_code))
TESTER_ROLE = register(RoleSpec("translation", "tester", build_tester, extract_driver))
