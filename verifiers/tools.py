"""The host tools a verifier's sandboxed commands run (compilers, proof checkers, simulators),
by absolute path: the sandboxed child gets no PATH to find them by."""

from __future__ import annotations

import shutil
from functools import cache


class ToolMissing(RuntimeError):
    """A tool a verifier runs is not installed: an infrastructure error, not a verdict."""


@cache
def find(name: str) -> str | None:
    """Absolute path of `name` on this machine's PATH, or None."""
    return shutil.which(name)


def tool(name: str, install: str) -> str:
    """Absolute path of `name`; a missing tool raises `ToolMissing` saying how to install it."""
    path = find(name)
    if path is None:
        raise ToolMissing(f"{name} not found; {install}")
    return path
