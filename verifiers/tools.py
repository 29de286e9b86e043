"""The host tools a verifier's sandboxed commands run (compilers, proof checkers, simulators),
by absolute path: the sandboxed child gets no PATH to find them by."""

from __future__ import annotations

import shutil


class ToolMissing(RuntimeError):
    """A tool a verifier runs is not installed: an infrastructure error, not a verdict."""


_FOUND: dict[str, str] = {}  # tools found by this process


def find(name: str) -> str | None:
    """Absolute path of `name` on this machine's PATH, or None. A tool found is looked up once
    per process; a miss is not kept, so a tool installed (or a PATH restored) meanwhile is found
    the next time."""
    if name not in _FOUND:
        path = shutil.which(name)
        if path is None:
            return None
        _FOUND[name] = path
    return _FOUND[name]


def forget() -> None:
    """Look every tool up again next time (for a caller that changed PATH)."""
    _FOUND.clear()


def tool(name: str, install: str) -> str:
    """Absolute path of `name`; a missing tool raises `ToolMissing` saying how to install it."""
    path = find(name)
    if path is None:
        raise ToolMissing(f"{name} not found; {install}")
    return path
