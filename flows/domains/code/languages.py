"""Which language a code task's programs are written in, and which verifier checks them.

A stdin/stdout task's language is its own (`language` in its line, kept in `meta`), else the
run's `code.language`; it is fixed when the run opens (`resolve`), where an imported task that
brought solutions in several languages takes the one in its language as its reference. Python
programs keep the `python` verifier; any other language, or a task with a checker program,
goes to the `program` verifier (compiled once, judged per test in the sandbox). Function tasks
are Python only: asking for another language is refused before the run, naming the task and
the field.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from assay.flows.config import RunConfig
from assay.flows.domains.code.config import LANGUAGES, CodeConfig
from assay.flows.roles.stdio import is_stdio
from assay.flows.sources import TaskFileError
from assay.schemas.records import Task, content_id
from assay.verifiers.python.outputs import NAME as PYTHON_OUTPUTS
from assay.verifiers.python.stdio import CHECKERS, decode_test

PROGRAM = "program"  # the verifier of other languages and of checker programs
PROGRAM_OUTPUTS = "program-outputs"  # what records their outputs, for labels by agreement


def language_of(task: Task, config: RunConfig) -> str:
    """The task's own language, else the run's."""
    return str(task.meta.get("language") or config.section(CodeConfig).language)


def check_language(task: Task, config: RunConfig) -> None:
    """Refuse what cannot run: an unknown language, a function task in another language than
    Python, a checker that is neither a comparison nor a program in a known language."""
    where = f"task {task.name!r} ({task.source})"
    own = task.meta.get("language")
    if own is not None and own not in LANGUAGES:
        raise TaskFileError(f"{where}: field meta.language: {own!r} is not one of {LANGUAGES}")
    lang = language_of(task, config)
    if not is_stdio(task) and lang != "python":
        field = "meta.language" if own else "code.language (the run's config)"
        raise TaskFileError(
            f"{where}: field {field}: {lang!r}, but function tasks (called by name from Python "
            "tests) are Python only; run them with language python, or give stdin/stdout tasks"
        )
    checker = task.meta.get("checker", "tokens")
    if not is_stdio(task):
        return
    if isinstance(checker, dict):
        if checker.get("language") not in LANGUAGES or not str(checker.get("code", "")).strip():
            raise TaskFileError(
                f"{where}: field meta.checker: a checker program needs a language of "
                f"{LANGUAGES} and its code"
            )
    elif checker not in CHECKERS:
        raise TaskFileError(
            f"{where}: field meta.checker: {checker!r} is not one of {list(CHECKERS)} "
            "or a checker program {language, code}"
        )


def resolve(task: Task, config: RunConfig) -> Task:
    """The task as the run sees it: a stdio task carries its language in `meta["language"]`
    (which the roles read), and its reference is a solution in that language: the one it
    brought for it (`meta["solutions"]`, by language), else its `reference` when that is in
    the same language (an APPS line's is Python), else none. A Python task without solutions by
    language is left as it is, so its rows and its run read as before."""
    if not is_stdio(task):
        return task
    lang = language_of(task, config)
    if "solutions" in task.meta:
        reference = str(task.meta["solutions"].get(lang, ""))
    else:
        reference = task.reference if lang == task.meta.get("language", "python") else ""
    if lang == "python" and "language" not in task.meta and reference == task.reference:
        return task
    return replace(task, reference=reference, meta={**task.meta, "language": lang})


def verifier_of(task: Task) -> str:
    """The verifier a task's solutions go to: the run's (python) or `program`."""
    lang = task.meta.get("language", "python")
    checker = task.meta.get("checker", "tokens")
    return PROGRAM if is_stdio(task) and (lang != "python" or isinstance(checker, dict)) else ""


def outputs_verifier(task: Task) -> str:
    """What records a task's solutions' outputs on generated inputs."""
    return PROGRAM_OUTPUTS if verifier_of(task) == PROGRAM else PYTHON_OUTPUTS


def program_item(task: Task, code: str, tests: list[str], item_id: str) -> dict[str, Any]:
    """One `program` verifier line (the shape `assay verify program` reads)."""
    decoded = [decode_test(t) for t in tests]
    return {
        "id": item_id,
        "language": task.meta.get("language", "python"),
        "code": code,
        "tests": [{"stdin": t.stdin, "stdout": t.stdout} for t in decoded],
        "checker": task.meta.get("checker", "tokens"),
        **({"limits": task.meta["limits"]} if task.meta.get("limits") else {}),
    }


def program_outputs_item(
    task: Task,
    code: str,
    inputs: list[str],
    item_id: str,
    max_output_bytes: int,
    language: str = "",
) -> dict[str, Any]:
    """One `program-outputs` line: a program (in the task's language unless given) and the
    inputs to run it on, under the task's limits."""
    return {
        "id": item_id,
        "language": language or task.meta.get("language", "python"),
        "code": code,
        "inputs": inputs,
        "max_output_bytes": max_output_bytes,
        **({"limits": task.meta["limits"]} if task.meta.get("limits") else {}),
    }


def other_solutions(task: Task) -> list[tuple[str, str, str]]:
    """(voter id, language, code) of each solution the task brought in another language than
    its own: accepted programs that vote on labels beside the sampled solutions (the one in its
    own language is its reference, which checks the labels instead)."""
    own = task.meta.get("language", "python")
    solutions = task.meta.get("solutions") or {}
    return [
        (f"solution:{lang}:{content_id('solution', task.id, lang, code)}", lang, code)
        for lang, code in sorted(solutions.items())
        if lang != own and code
    ]
