"""The entry point's parameters, read from a task's prompt: a role that writes arguments for a
function (the input generator) is told their names and order instead of guessing them.

A code prompt (HumanEval) holds the `def`; a prose prompt (MBPP) holds example calls such as
`assert f(1, 2) == 3`. Nothing here runs the prompt.
"""

from __future__ import annotations

import ast

from assay.flows.roles.pyextract import parse
from assay.schemas.records import Task


def _from_def(task: Task) -> list[tuple[str, str]] | None:
    tree = parse(task.prompt)
    kinds = ast.FunctionDef | ast.AsyncFunctionDef
    for node in ast.walk(tree) if tree is not None else ():
        if isinstance(node, kinds) and node.name == task.entry_point:
            a = node.args
            if a.vararg or a.kwarg or a.kwonlyargs:
                return None  # no fixed arity: leave the shape to the model
            params = [*a.posonlyargs, *a.args]
            return [(p.arg, ast.unparse(p.annotation) if p.annotation else "") for p in params]
    return None


def _from_call(task: Task) -> list[tuple[str, str]] | None:
    """Arity of the first example call of the entry point that parses on its own line."""
    for line in task.prompt.splitlines():
        code = line.strip().removeprefix(">>>").strip()
        if task.entry_point + "(" not in code or (tree := parse(code)) is None:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == task.entry_point:
                if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
                    return None
                return [(f"arg{i + 1}", "") for i in range(len(node.args))]
    return None


def parameters(task: Task) -> list[tuple[str, str]] | None:
    """The entry point's positional parameters in order, as (name, annotation or ""); None when
    the prompt does not say (no `def` and no example call) or the function takes `*args`."""
    if not task.entry_point:
        return None
    return _from_def(task) or _from_call(task)
