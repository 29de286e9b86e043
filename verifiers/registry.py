"""Verifiers by name: config and the `assay verify NAME` command pick one with `get(name)`.

A verifier is an object with a `name`, an `Item` pydantic model for one JSONL input line (extra
fields are kept and passed through to the output), and `check(item, sandbox, limits) -> Verdict`.
A verifier class says its name, item, tier and version once, in its `register(...)` line.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Protocol, TypeVar

from pydantic import BaseModel

from assay.schemas.records import Verdict
from assay.verifiers.sandbox import Limits, Sandbox


class Verifier(Protocol):
    name: str
    Item: type[BaseModel]

    def check(self, item: Any, sandbox: Sandbox, limits: Limits) -> Verdict: ...


class UnknownVerifier(LookupError):
    """No verifier has that name; the message lists the valid ones."""


class Registered:
    """What a verdict records of its verifier, filled in by `register`: a subclass inherits
    what its own `register` line leaves out."""

    name: ClassVar[str] = ""
    Item: ClassVar[type[BaseModel]] = BaseModel
    tier: ClassVar[str] = ""  # what a pass rests on: "tests", "kernel", "simulation", ...
    version: ClassVar[int] = 1  # bumped when a change could turn a verdict


V = TypeVar("V")
_REGISTRY: dict[str, Any] = {}


def register(
    name: str,
    item: type[BaseModel] | None = None,
    *,
    tier: str | None = None,
    version: int | None = None,
) -> Callable[[type[V]], type[V]]:
    """Class decorator: register one instance of the class under `name` (refuses duplicates),
    setting its `name` and, where given, its `Item`, `tier` and `version` (see `Registered`)."""

    def add(cls: type[V]) -> type[V]:
        if name in _REGISTRY:
            raise ValueError(f"a verifier named {name!r} is already registered; pick another name")
        given = {"name": name, "Item": item, "tier": tier, "version": version}
        for attribute, value in given.items():
            if value is not None:
                setattr(cls, attribute, value)
        _REGISTRY[name] = cls()
        return cls

    return add


def _load_builtins() -> None:
    import assay.verifiers.coq
    import assay.verifiers.lean
    import assay.verifiers.program.outputs
    import assay.verifiers.program.verifier
    import assay.verifiers.python.check
    import assay.verifiers.python.inputs
    import assay.verifiers.python.outputs
    import assay.verifiers.translation
    import assay.verifiers.verilog  # noqa: F401  (registers coq, lean, program, translation, verilog)


def get(name: str) -> Verifier:
    """The verifier registered as `name`; an unknown name raises listing the valid ones."""
    _load_builtins()
    if name not in _REGISTRY:
        raise UnknownVerifier(f"no verifier named {name!r}; valid names: {', '.join(names())}")
    return _REGISTRY[name]


_CONFIGURED: dict[str, Any] = {}


def configured(name: str, options: Mapping[str, Any] | None = None) -> Verifier:
    """The verifier `name`, built with `options` (e.g. Lean's project) when given: its class's
    `from_options(options)` validates them. One instance per distinct options, per process, so a
    long-lived backend (Lean's REPL pool) is reused across batches."""
    verifier = get(name)
    if not options:
        return verifier
    key = f"{name}:{json.dumps(options, sort_keys=True, default=str)}"
    if key not in _CONFIGURED:
        build = getattr(type(verifier), "from_options", None)
        if build is None:
            raise ValueError(f"verifier {name!r} takes no options, got {sorted(options)}")
        _CONFIGURED[key] = build(dict(options))
    return _CONFIGURED[key]


def names() -> list[str]:
    _load_builtins()
    return sorted(_REGISTRY)
