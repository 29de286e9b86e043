"""Reading generated unit tests out of a completion: self-contained, one-line assert statements.

A test is kept only if it stands alone: it calls the entry point and uses no name the checker
will not have (a loop variable, a local from a test function, an undefined helper). Each kept
test is re-printed from its syntax tree, so it is exactly one line and duplicates collapse.
"""

from __future__ import annotations

import ast
import builtins
import re

from assay.flows.roles.fences import blocks_in
from assay.flows.roles.pyextract import PY_LANGS, parse
from assay.schemas.records import Task

DEFAULT_TEST_LIMIT = 8
_LIST_MARK = re.compile(r"^(?:\d+[.)]|[-*•>])\s+")
_BUILTINS = frozenset(dir(builtins))


def known_names(task: Task) -> frozenset[str]:
    """Names a test may use: builtins, the entry point, and what the prompt and setup define."""
    names = set(_BUILTINS) | {task.entry_point}
    for source in (task.prompt, task.setup):
        tree = parse(source)
        for node in tree.body if tree else []:
            if isinstance(node, ast.Import | ast.ImportFrom):
                names |= {(a.asname or a.name).split(".")[0] for a in node.names}
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Assign):
                names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return frozenset(names)


def _bound_inside(node: ast.AST) -> set[str]:
    """Names a comprehension or lambda inside the assert binds for itself."""
    bound: set[str] = set()
    for n in ast.walk(node):
        if isinstance(n, ast.comprehension):
            bound |= {t.id for t in ast.walk(n.target) if isinstance(t, ast.Name)}
        elif isinstance(n, ast.Lambda):
            bound |= {a.arg for a in ast.walk(n.args) if isinstance(a, ast.arg)}
        elif isinstance(n, ast.NamedExpr) and isinstance(n.target, ast.Name):
            bound.add(n.target.id)
    return bound


def usable(node: ast.Assert, task: Task, names: frozenset[str]) -> bool:
    """Calls the entry point, needs no outside name, and is not trivially true (`x == x`)."""
    calls = any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == task.entry_point
        for n in ast.walk(node.test)
    )
    used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    test = node.test
    same = (
        isinstance(test, ast.Compare)
        and len(test.comparators) == 1
        and ast.dump(test.left) == ast.dump(test.comparators[0])
    )
    return calls and not same and used <= names | _bound_inside(node)


def _asserts_in(code: str) -> list[ast.Assert]:
    """Every assert in a block, in source order; a block that does not parse is read by line."""
    tree = parse(code)
    if tree is not None:
        found = [n for n in ast.walk(tree) if isinstance(n, ast.Assert)]
        return sorted(found, key=lambda n: (n.lineno, n.col_offset))
    out = []
    for line in code.splitlines():
        line = _LIST_MARK.sub("", line.strip()).strip("`").strip()
        one = parse(line) if line.startswith("assert") else None
        if one is not None and len(one.body) == 1 and isinstance(one.body[0], ast.Assert):
            out.append(one.body[0])
    return out


def extract_tests(text: str, task: Task, limit: int = DEFAULT_TEST_LIMIT) -> list[str]:
    """Up to `limit` distinct one-line asserts on the entry point; empty when there are none.

    Fenced python blocks are read first; prose (numbered lists, inline code) only if they give
    nothing.
    """
    if limit < 1:
        raise ValueError(f"extract_tests: limit must be >= 1, got {limit}")
    names = known_names(task)
    found: dict[str, None] = {}
    for sources in (blocks_in(text, PY_LANGS), [text]):
        for node in (n for source in sources for n in _asserts_in(source)):
            if usable(node, task, names):
                found.setdefault(ast.unparse(node), None)
        if found:
            break
    return list(found)[:limit]
