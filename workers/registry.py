"""Generation backends by name: config says `backend: local`, `build("local", ...)` makes one.

A backend is a class whose constructor only stores its options (cheap, picklable, importable
without its heavy dependencies); the model, engine or client is built later in `setup()`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, TypeVar

from assay.workers.api import Generator

G = TypeVar("G")
_REGISTRY: dict[str, Callable[..., Any]] = {}
# Modules that register the built-in backends; imported on first lookup, never at import time.
BUILTINS = (
    "assay.workers.local",
    "assay.workers.openai_client",
    "assay.workers.vllm_engine",
    "assay.workers.replay",
    "assay.workers.faulty",
)


class UnknownBackend(LookupError):
    """No backend has that name; the message lists the valid ones."""


def register(name: str) -> Callable[[type[G]], type[G]]:
    """Class decorator: make the class buildable as `name` (a second use of a name raises)."""

    def add(cls: type[G]) -> type[G]:
        if name in _REGISTRY and _REGISTRY[name] is not cls:
            raise ValueError(f"a backend named {name!r} is already registered; pick another name")
        _REGISTRY[name] = cls
        return cls

    return add


def _load_builtins() -> None:
    for module in BUILTINS:
        importlib.import_module(module)


def names() -> list[str]:
    """Every registered backend name, sorted."""
    _load_builtins()
    return sorted(_REGISTRY)


def build(name: str, **options: Any) -> Generator:
    """A configured, not yet set-up backend; call `setup()` where it will run (e.g. in an actor)."""
    _load_builtins()
    if name not in _REGISTRY:
        raise UnknownBackend(f"no generation backend named {name!r}; valid names: {names()}")
    try:
        return _REGISTRY[name](**options)
    except TypeError as exc:
        raise TypeError(f"backend {name!r}: bad options {sorted(options)}: {exc}") from None
