"""Reading Python artefacts out of model completions: a solution function, or assert tests.

Completions are untrusted text. Nothing here runs them: everything is decided on the syntax tree,
and what comes out still goes through the sandboxed verifier.
"""

from __future__ import annotations

import ast
import functools
import re
import textwrap

from assay.flows.roles.fences import blocks_in, has_fence
from assay.schemas.records import Task

PY_LANGS = frozenset({"", "python", "py", "python3"})
_CODE_START = re.compile(r"^(?:async def |def |class |import |from \S+ import |@)")
_NEVER_AT_TOP = frozenset({"input", "print", "exit", "quit"})


def parse(code: str) -> ast.Module | None:
    """`code`'s syntax tree, or None where it is not Python a model can be trusted to have
    written: a syntax error, a null byte (ValueError), or nesting deep enough to exhaust the
    parser (RecursionError, MemoryError), which must not take the run down with it."""
    try:
        return ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _called(node: ast.AST) -> set[str]:
    return {
        n.func.id
        for n in ast.walk(node)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
    }


def _is_stub(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A body of only a docstring, `pass` or `...`: the prompt echoed back, not an answer."""
    for node in fn.body:
        if isinstance(node, ast.Pass):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # docstring or bare `...`
        return False
    return True


def _defines(tree: ast.Module, name: str) -> bool:
    """Whether the module defines `name` at top level with a real body."""
    kinds = ast.FunctionDef | ast.AsyncFunctionDef
    return any(isinstance(n, kinds) and n.name == name and not _is_stub(n) for n in tree.body)


def _keep_top(node: ast.stmt, entry_point: str) -> bool:
    """Definitions and imports stay; example calls, prints and `__main__` blocks go."""
    if isinstance(node, ast.Import | ast.ImportFrom | ast.FunctionDef | ast.AsyncFunctionDef):
        return True
    if isinstance(node, ast.ClassDef):
        return True
    if isinstance(node, ast.Assign | ast.AnnAssign):
        return not (_called(node) & (_NEVER_AT_TOP | {entry_point}))
    return False


def sanitize(code: str, tree: ast.Module, entry_point: str) -> str:
    """The kept top-level statements, cut from the source so comments and layout survive."""
    lines = code.splitlines()
    spans: list[list[int]] = []  # [first, last] line numbers of runs of kept statements
    previous_kept = False
    for node in tree.body:
        kept = _keep_top(node, entry_point)
        if kept:
            first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
            last = node.end_lineno or node.lineno
            if previous_kept:
                spans[-1][1] = last
            else:
                spans.append([first, last])
        previous_kept = kept
    return "\n\n".join("\n".join(lines[a - 1 : b]) for a, b in spans)


@functools.lru_cache(maxsize=4096)
def _imports_of(prompt: str) -> tuple[str, ...]:
    """The import lines of a prompt, parsed once for all of its task's answers (a run parses
    each prompt once, not once per sample)."""
    tree = parse(prompt)
    if tree is None:
        return ()
    return tuple(ast.unparse(n) for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom))


def prompt_imports(task: Task, tree: ast.Module) -> list[str]:
    """Imports the prompt makes (e.g. `from typing import List`) that the answer left out."""
    wanted = _imports_of(task.prompt)
    if not wanted:
        return []
    have = {ast.unparse(n) for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)}
    return [line for line in wanted if line not in have]


def _whole_function(block: str, task: Task) -> str | None:
    tree = parse(block)
    if tree is None or not _defines(tree, task.entry_point):
        return None
    code = sanitize(block, tree, task.entry_point)
    imports = prompt_imports(task, tree)
    head = "\n".join(imports) + "\n\n\n" if imports else ""
    return head + code.strip("\n") + "\n"


def _returns(body: list[ast.stmt]) -> bool:
    """Whether these statements return a value themselves (not only inside a nested def)."""
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        if isinstance(node, ast.Return):
            return True
        nested = [getattr(node, f, []) for f in ("body", "orelse", "finalbody")]
        nested += [h.body for h in getattr(node, "handlers", [])]
        nested += [c.body for c in getattr(node, "cases", [])]
        if any(_returns(b) for b in nested if isinstance(b, list)):
            return True
    return False


def _body_only(block: str, task: Task) -> str | None:
    """A model that answered with just the body gets the prompt's signature put back on top."""
    body = textwrap.dedent(block).strip("\n")
    body_tree = parse(body)
    if not body or body_tree is None or not _returns(body_tree.body):
        return None
    prompt = task.prompt.rstrip()
    last = prompt.splitlines()[-1] if prompt else ""
    indent = last[: len(last) - len(last.lstrip())] or "    "
    joined = prompt + "\n" + textwrap.indent(body, indent) + "\n"
    tree = parse(joined)
    return joined if tree is not None and _defines(tree, task.entry_point) else None


def _unfenced(text: str) -> list[str]:
    """The whole text, then (for prose around code) from the first code-looking line on, cut
    back line by line until it parses."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if _CODE_START.match(line)), None)
    if start is None:
        return [text]
    tail = lines[start:]
    for end in range(len(tail), 0, -1):
        if parse("\n".join(tail[:end])) is not None:
            return [text, "\n".join(tail[:end])]
    return [text]


def extract_code(text: str, task: Task) -> str | None:
    """The solution in a completion, or None when nothing usable is there.

    Prefers the last python block that defines the entry point (earlier blocks are often drafts);
    with no fence, the text itself. Only if no block defines it is a body-only answer completed
    with the prompt's signature, so that a usage example is never mistaken for a body.
    """
    blocks = blocks_in(text, PY_LANGS) if has_fence(text) else _unfenced(text)
    ordered = [b for b in reversed(blocks) if b.strip()]
    for block in ordered:
        code = _whole_function(block, task)
        if code is not None:
            return code
    for block in ordered:
        code = _body_only(block, task)
        if code is not None:
            return code
    return None
