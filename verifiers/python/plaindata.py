"""Plain data across a trust boundary: exact builtin types only, tagged, as JSON.

A value whose type is not exactly a builtin (an int subclass, an object with its own `__eq__`)
cannot be encoded, so it can never be compared as if it were the right answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

MAX_ITEMS = 100_000
MAX_DEPTH = 32
_type = type
_repr = repr


class Unencodable(Exception):
    """The value is not plain data."""


def encode(value: Any, depth: int = 0) -> Any:
    kind = _type(value)
    if depth > MAX_DEPTH:
        raise Unencodable("value nested too deeply")
    if value is None:
        return ["none", None]
    if kind is bool or kind is str:
        return [kind.__name__, value]
    if kind is int:
        return ["int", str(value)]
    if kind is float:
        return ["float", _repr(value)]
    if kind is complex:
        return ["complex", [_repr(value.real), _repr(value.imag)]]
    if kind is bytes:
        return ["bytes", value.hex()]
    if kind in (list, tuple, set, frozenset):
        if len(value) > MAX_ITEMS:
            raise Unencodable("value too large")
        items = [encode(v, depth + 1) for v in value]
        if kind in (set, frozenset):
            items.sort(key=json.dumps)
        return [kind.__name__, items]
    if kind is dict:
        if len(value) > MAX_ITEMS:
            raise Unencodable("value too large")
        return ["dict", [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()]]
    raise Unencodable(f"a {kind.__name__} is not plain data")


_SIMPLE: dict[str, Callable[[Any], Any]] = {
    "none": lambda d: None,
    "bool": bool,
    "str": str,
    "int": int,
    "float": float,
    "bytes": bytes.fromhex,
    "complex": lambda d: complex(float(d[0]), float(d[1])),
}
_CONTAINERS = {"list": list, "tuple": tuple, "set": set, "frozenset": frozenset}


def decode(tagged: Any) -> Any:
    """Inverse of `encode`; builds only builtin types (raises ValueError on anything else)."""
    if not isinstance(tagged, list) or len(tagged) != 2:
        raise ValueError("malformed plain-data value")
    kind, data = tagged
    if kind in _SIMPLE:
        return _SIMPLE[kind](data)
    if kind == "dict":
        return {decode(k): decode(v) for k, v in data}
    if kind in _CONTAINERS:
        return _CONTAINERS[kind](decode(v) for v in data)
    raise ValueError(f"unknown plain-data tag {kind!r}")
