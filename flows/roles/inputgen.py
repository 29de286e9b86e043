"""The input-generator role: the model writes a program that makes test inputs for a task, and a
validator that says whether an input is legal (rStar-Coder's split of the two).

The program defines `generate_test_input(scale)` and `validate_test_input(...)`. For a
stdin/stdout task an input is the stdin text and the validator takes that text; for a function
task an input is a tuple of arguments (plain data) and the validator takes the same arguments as
the function, whose names and types the request gives in a skeleton to complete (small models
copy the shape of an example far better than they follow a description of it). A stdin/stdout
request describes the two functions only: Qwen2.5-Coder-0.5B copied a worked example for
another input format word for word, making inputs of that other problem.
The expected outputs are not the model's to write: sampled solutions vote on them later.
"""

from __future__ import annotations

import ast
from typing import Any

from assay.flows.roles import RoleSpec, register
from assay.flows.roles.fences import blocks_in, has_fence
from assay.flows.roles.pyextract import PY_LANGS, parse, prompt_imports, sanitize
from assay.flows.roles.signature import parameters
from assay.flows.roles.stdio import is_stdio
from assay.schemas.records import Task
from assay.workers.api import Request, Sampling

GENERATE = "generate_test_input"
VALIDATE = "validate_test_input"
SYSTEM = "You write test input generators in Python. Reply with code in one ```python block."
RULES = (
    "Use only the standard library. Do not solve the problem, and do not call, print or read "
    "anything outside the two functions. Reply with one ```python block."
)
STDIO = (
    "Problem:\n\n{prompt}\n\nWrite two Python functions that make test inputs for this "
    "program, in exactly the input format the problem gives:\n"
    "- `generate_test_input(scale)` returns the whole text of one random valid input, as the "
    "program would read it from standard input; `scale` (1 to {max_scale}) is how large it "
    "should be (lengths, counts, sizes).\n"
    "- `validate_test_input(text)` returns True when `text` follows the input format and the "
    "limits of the problem, else False.\n{rules}"
)
FUNCTION = (
    "Problem:\n\n{prompt}\n\nWrite two Python functions that make test calls of `{call}`:\n"
    "- `generate_test_input(scale)` returns the arguments of one random valid call; `scale` "
    "(1 to {max_scale}) is how large they should be (lengths, counts, sizes).\n"
    "- `validate_test_input({params})` returns True when these arguments are valid for this "
    "problem, else False.\n{rules}\n\nComplete this program, replacing each `...`:\n"
    "```python\nimport random\n\n\ndef generate_test_input(scale):\n{draws}\n\n\n"
    "def validate_test_input({params}):\n    return ...  # True when the arguments are valid\n```"
)
# Modules a generator often uses without importing them (the NameError would waste the program).
USUAL = ("random", "string", "math", "itertools")


def _function_text(task: Task) -> tuple[str, str, str]:
    """The call, the validator's parameters and the generator's body to complete, for the
    prompt: a skeleton with the function's own parameter names and types, since a small model
    copies a worked example for another function name for name."""
    found = parameters(task)
    if found is None:
        entry = task.entry_point or "the function"
        draws = (
            "    args = ...  # a tuple with one random valid value per argument\n    return args"
        )
        return f"{entry}(...)", "*args", draws
    names = [name for name, _ in found]
    lines = [f"    {name} = ...  # {kind or 'a value'}" for name, kind in found]
    lines[0] += ", sized by scale"
    args = f"({names[0]},)" if len(names) == 1 else f"({', '.join(names)})"
    call = f"{task.entry_point}({', '.join(names)})"
    return call, ", ".join(names), "\n".join([*lines, f"    return {args}"])


def build(task: Task, sampling: Sampling, key: str, max_scale: int = 100, **_: Any) -> Request:
    """One request for input-generator programs (n of them, per `sampling`)."""
    prompt = task.prompt.strip()
    if is_stdio(task):
        user = STDIO.format(prompt=prompt, max_scale=max_scale, rules=RULES)
    else:
        call, params, draws = _function_text(task)
        user = FUNCTION.format(
            prompt=prompt, call=call, params=params, draws=draws, max_scale=max_scale, rules=RULES
        )
    messages = ({"role": "system", "content": SYSTEM}, {"role": "user", "content": user})
    return Request(key, messages, sampling)


def _defines(tree: ast.Module) -> set[str]:
    return {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}


def _missing_imports(tree: ast.Module) -> list[str]:
    """`import m` for each usual module the code uses by name but never imports or binds."""
    bound: set[str] = set()
    used: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            bound |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.Name):
            (used if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    return [f"import {m}" for m in USUAL if m in used and m not in bound]


def extract(text: str, task: Task) -> str | None:
    """The last python block that parses and defines both functions (the text when unfenced),
    with top-level calls, prints and `__main__` blocks cut (a generator that reads stdin at
    import would never run) and forgotten imports of the prompt and usual modules put back."""
    blocks = blocks_in(text, PY_LANGS) if has_fence(text) else [text]
    for block in reversed(blocks):
        if (tree := parse(block)) is None:
            continue
        if not {GENERATE, VALIDATE} <= _defines(tree):
            continue
        code = sanitize(block, tree, task.entry_point or GENERATE).strip("\n")
        head = [*prompt_imports(task, tree), *_missing_imports(ast.parse(code))]
        return ("\n".join(head) + "\n\n\n" if head else "") + code + "\n"
    return None


SPEC = register(RoleSpec("code", "inputgen", build, extract))
