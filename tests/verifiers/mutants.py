"""Deterministic mutants of a reference solution: every return of the entry point is changed."""

from __future__ import annotations

import ast

MUTATE = """
def _assay_mutant(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    if isinstance(value, str):
        return value + "?"
    if isinstance(value, (list, tuple)):
        return type(value)([*value, None])
    return 0 if value is None else None
"""


class _WrapReturns(ast.NodeTransformer):
    """Wraps `return X` in the entry point only (not in functions nested inside it)."""

    def __init__(self) -> None:
        self.depth = 0

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        self.depth += 1
        if self.depth == 1:
            self.generic_visit(node)
        self.depth -= 1
        return node

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Lambda(self, node: ast.Lambda) -> ast.Lambda:
        return node

    def visit_Return(self, node: ast.Return) -> ast.Return:
        value = node.value or ast.Constant(None)
        call = ast.Call(ast.Name("_assay_mutant", ast.Load()), [value], [])
        return ast.copy_location(ast.Return(call), node)


def mutate(reference: str, entry_point: str) -> str:
    """`reference` with the entry point's every return value changed (same code each time)."""
    tree = ast.parse(reference)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == entry_point:
            _WrapReturns().visit(node)
            return ast.unparse(tree) + "\n" + MUTATE
    raise ValueError(f"no top-level function {entry_point!r}")
