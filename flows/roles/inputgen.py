"""The input-generator role: the model writes a program that makes test inputs for a task, and a
validator that says whether an input is legal (rStar-Coder's split of the two).

The program defines `generate_test_input(scale)` and `validate_test_input(x)`. For a stdin/stdout
task an input is the stdin text; for a function task it is a tuple of arguments (plain data).
The expected outputs are not the model's to write: sampled solutions vote on them later.
"""

from __future__ import annotations

import ast
from typing import Any

from assay.flows.roles import RoleSpec, register
from assay.flows.roles.fences import blocks_in, has_fence
from assay.flows.roles.pyextract import PY_LANGS
from assay.flows.roles.stdio import is_stdio
from assay.schemas.records import Task
from assay.workers.api import Request, Sampling

GENERATE = "generate_test_input"
VALIDATE = "validate_test_input"
SYSTEM = "You write test input generators in Python. Reply with code in one ```python block."
STDIO = (
    "Problem:\n\n{prompt}\n\nWrite two Python functions, using only the standard library:\n"
    "- `generate_test_input(scale)` returns one random valid input for this problem as the exact "
    "text given on standard input; `scale` (1 to {max_scale}) is how large the input should be.\n"
    "- `validate_test_input(text)` returns True if `text` is a valid input for this problem, "
    "else False.\nDo not solve the problem. Reply with both functions in one ```python block."
)
FUNCTION = (
    "Problem:\n\n{prompt}\n\nWrite two Python functions, using only the standard library:\n"
    "- `generate_test_input(scale)` returns one random valid argument tuple for `{entry}`, "
    "e.g. `(3, [1, 2])` for two arguments, or `([5, 1],)` for one; `scale` (1 to {max_scale}) "
    "is how large the input should be.\n"
    "- `validate_test_input(args)` returns True if the tuple `args` is valid input for "
    "`{entry}`, else False.\nDo not solve the problem. Reply with both functions in one "
    "```python block."
)


def build(task: Task, sampling: Sampling, key: str, max_scale: int = 100, **_: Any) -> Request:
    """One request for input-generator programs (n of them, per `sampling`)."""
    template = STDIO if is_stdio(task) else FUNCTION
    entry = task.entry_point or "the function"
    user = template.format(prompt=task.prompt.strip(), entry=entry, max_scale=max_scale)
    messages = ({"role": "system", "content": SYSTEM}, {"role": "user", "content": user})
    return Request(key, messages, sampling)


def _defines(tree: ast.Module) -> set[str]:
    return {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}


def extract(text: str, task: Task) -> str | None:
    """The last python block that parses and defines both functions (the text when unfenced).
    Top-level calls and prints stay: the program runs only in the sandbox, and what it prints
    is ignored."""
    blocks = blocks_in(text, PY_LANGS) if has_fence(text) else [text]
    for block in reversed(blocks):
        code = block.strip("\n")
        try:
            tree = ast.parse(code)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        if {GENERATE, VALIDATE} <= _defines(tree):
            return code + "\n"
    return None


SPEC = register(RoleSpec("code", "inputgen", build, extract))
