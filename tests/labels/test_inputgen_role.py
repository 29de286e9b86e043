"""The input-generator role: its request names the function's parameters and shows a worked
example; extraction keeps what can run as a generator program and nothing that would stop it."""

from __future__ import annotations

import ast

from assay.flows.roles import get_role
from assay.flows.roles.inputgen import build, extract
from assay.flows.roles.signature import parameters
from assay.schemas.records import Task
from assay.workers.api import Sampling

CLOSE = Task(
    "code", "t", "close",
    'from typing import List\n\n\ndef close(numbers: List[float], threshold: float) -> bool:\n'
    '    """Whether two numbers are closer than threshold."""\n',
    entry_point="close",
)  # fmt: skip
MBPP = Task(
    "code", "t", "mbpp", "Write a function to add two lists.\nassert add_lists([1], [2]) == [3]",
    entry_point="add_lists",
)  # fmt: skip
STDIO = Task("code", "t", "sum", "Read a and b. Print a + b.", meta={"kind": "stdio"})


def _user(task: Task) -> str:
    request = build(task, Sampling(n=1), key="k", max_scale=30)
    return str(request.messages[-1]["content"])


def test_parameters_come_from_the_def_or_an_example_call() -> None:
    assert parameters(CLOSE) == [("numbers", "List[float]"), ("threshold", "float")]
    assert parameters(MBPP) == [("arg1", ""), ("arg2", "")]
    star = Task("code", "t", "s", "def f(*xs):\n    pass\n", entry_point="f")
    assert parameters(star) is None
    assert parameters(Task("code", "t", "p", "Add two numbers.", entry_point="f")) is None


def test_the_request_names_the_call_and_the_validator_parameters() -> None:
    user = _user(CLOSE)
    assert "`close(numbers, threshold)`" in user
    assert "numbers = ...  # List[float], sized by scale" in user
    assert "threshold = ...  # float\n    return (numbers, threshold)" in user
    assert "def validate_test_input(numbers, threshold):" in user
    assert "1 to 30" in user
    one = Task("code", "t", "one", "def f(xs):\n    pass\n", entry_point="f")
    assert "return (xs,)" in _user(one)
    prose = Task("code", "t", "p", "Add two numbers.", entry_point="add")
    assert "def validate_test_input(*args):" in _user(prose)
    assert "`validate_test_input(text)`" in _user(STDIO)


def test_the_skeleton_in_the_request_is_a_generator_program() -> None:
    block = _user(CLOSE).split("```python\n")[1].split("```")[0]
    assert extract(f"```python\n{block}```", CLOSE) is not None
    assert "```python\n" not in _user(STDIO)  # no example to copy for a stdin format


def test_extraction_drops_top_level_calls_and_restores_imports() -> None:
    text = (
        "Sure:\n```python\n"
        "def generate_test_input(scale):\n"
        "    return ([random.random() for _ in range(scale)], 0.5)\n\n"
        "def validate_test_input(numbers, threshold):\n    return threshold > 0\n\n"
        "x = generate_test_input(3)\nprint(validate_test_input(*x))\n"
        "if __name__ == '__main__':\n    s = int(input())\n```\n"
    )
    code = extract(text, CLOSE)
    assert code is not None
    tree = ast.parse(code)
    kinds = [type(n).__name__ for n in tree.body]
    assert kinds == ["ImportFrom", "Import", "FunctionDef", "FunctionDef", "Assign"]
    assert "import random" in code and "from typing import List" in code
    assert "int(input())" not in code and "print(" not in code


def test_an_imported_or_bound_name_is_not_imported_again() -> None:
    text = (
        "```python\nimport random as random\nmath = 3\n"
        "def generate_test_input(scale):\n    return str(random.randint(1, math))\n"
        "def validate_test_input(text):\n    return True\n```"
    )
    code = extract(text, STDIO)
    assert code is not None and code.count("import") == 1


def test_a_block_without_both_functions_is_not_a_generator() -> None:
    only = "```python\ndef generate_test_input(scale):\n    return '1'\n```"
    assert extract(only, STDIO) is None
    assert get_role("code", "inputgen").extract is extract
