"""The bundled seed tasks: well formed, and every reference solution passes its own tests.

References are trusted code written for the project, so a plain subprocess (own interpreter,
timeout) is enough here; model output only ever runs through the sandbox.
"""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from assay.flows.roles.asserts import extract_tests
from assay.flows.roles.pyextract import extract_code
from assay.flows.seeds import load_seed_tasks, seed_domains
from assay.schemas.records import Task

TASKS = load_seed_tasks("code")


def _run(code: str, timeout: float = 10.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-I", "-c", code], capture_output=True, text=True, timeout=timeout
    )


def _script(task: Task, solution: str) -> str:
    return "\n".join([task.setup, solution, *task.tests, "print('ALL-PASSED')"])


def test_seed_set_has_the_advertised_shape() -> None:
    assert "code" in seed_domains()
    assert 10 <= len(TASKS) <= 16
    assert len({t.name for t in TASKS}) == len(TASKS)
    assert len({t.id for t in TASKS}) == len(TASKS)
    levels = [t.meta.get("difficulty") for t in TASKS]
    assert set(levels) <= {"easy", "medium", "hard"}
    assert levels.count("easy") >= 6 and levels.count("hard") >= 2
    for task in TASKS:
        assert (task.domain, task.source) == ("code", "seed")
        assert 4 <= len(task.tests) <= 8, task.name


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.name)
def test_prompt_is_a_signature_with_a_docstring(task: Task) -> None:
    tree = ast.parse(task.prompt)
    (fn,) = tree.body
    assert isinstance(fn, ast.FunctionDef) and fn.name == task.entry_point
    assert ast.get_docstring(fn), task.name
    assert len(fn.body) == 1, "the prompt gives the signature, not the solution"
    assert task.reference.startswith(task.prompt), "the reference completes the prompt"


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.name)
def test_tests_are_plain_equality_asserts_on_the_entry_point(task: Task) -> None:
    # The tester's extraction must keep every trusted test: same form, same text.
    assert extract_tests("\n".join(task.tests), task, limit=8) == list(task.tests)
    for test in task.tests:
        node = ast.parse(test).body[0]
        assert isinstance(node, ast.Assert) and isinstance(node.test, ast.Compare)
        assert isinstance(node.test.ops[0], ast.Eq), test
        ast.literal_eval(node.test.comparators[0])  # the expectation is a literal


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.name)
def test_reference_passes_its_own_tests(task: Task) -> None:
    result = _run(_script(task, task.reference))
    assert result.returncode == 0, result.stderr[-800:]
    assert result.stdout.strip().endswith("ALL-PASSED")


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.name)
def test_tests_reject_a_wrong_solution(task: Task) -> None:
    """Tests that pass anything prove nothing: a constant answer must fail at least one."""
    wrong = task.prompt + "    return None\n"
    result = _run(_script(task, wrong))
    assert result.returncode != 0 and "AssertionError" in result.stderr


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.name)
def test_reference_survives_solver_extraction(task: Task) -> None:
    fenced = f"Here is my solution:\n```python\n{task.reference}```\nIt runs in linear time."
    assert extract_code(fenced, task) == task.reference


def test_unknown_domain_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"no bundled seed tasks for domain 'cobol'.*code"):
        load_seed_tasks("cobol")
