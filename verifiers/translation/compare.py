"""Compare a candidate's records with the source's: integers and strings exactly, floats within
a relative tolerance (never by printed digits: the harness prints round-trip `%.17g`)."""

from __future__ import annotations

import math

from assay.verifiers.translation.execute import Record


def _close(a: str, b: str, rtol: float, atol: float) -> bool:
    x, y = float(a), float(b)
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    if math.isinf(x) or math.isinf(y):
        return x == y
    return abs(x - y) <= atol + rtol * max(abs(x), abs(y))


def first_difference(
    expected: list[Record],
    got: list[Record],
    rtol: float,
    atol: float,
    rtol_single: float | None = None,
) -> str | None:
    """None when equal; else where and how the first difference is (for the evidence).
    Doubles (`f:`) use `rtol`, floats (`g:`) `rtol_single` (default: `rtol`)."""
    single = rtol if rtol_single is None else rtol_single
    if len(expected) != len(got):
        return f"{len(got)} records, expected {len(expected)}"
    for n, ((name, want), (got_name, have)) in enumerate(zip(expected, got, strict=True)):
        if name != got_name:
            return f"record {n}: named {got_name!r}, expected {name!r}"
        if len(want) != len(have):
            return f"record {name!r}: {len(have)} values, expected {len(want)}"
        for i, (w, h) in enumerate(zip(want, have, strict=True)):
            kind, value = w[:2], w[2:]
            if h[:2] != kind:
                return f"record {name!r}[{i}]: type {h[:1]!r}, expected {kind[:1]!r}"
            if kind in ("f:", "g:"):
                same = _close(value, h[2:], rtol if kind == "f:" else single, atol)
            else:
                same = value == h[2:]
            if not same:
                return f"record {name!r}[{i}]: got {h[2:][:40]}, expected {value[:40]}"
    return None
