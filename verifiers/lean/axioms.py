"""Read Lean's `#print axioms NAME` answer: the axioms a theorem depends on, transitively.

Lean prints `'NAME' depends on axioms: [propext, sorryAx]` or `'NAME' does not depend on any
axioms` as an info message. A sorried helper shows up as `sorryAx`, `native_decide` as
`Lean.ofReduceBool`, a smuggled `axiom` under its own name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from assay.verifiers.lean.protocol import Message

_DEPENDS = re.compile(r"'(?P<name>.+?)' depends on axioms:\s*\[(?P<axioms>.*)\]", re.DOTALL)
_NONE = re.compile(r"'(?P<name>.+?)' does not depend on any axioms")


def strip_guillemets(name: str) -> str:
    return name.replace("«", "").replace("»", "")


def axioms_of(messages: Iterable[Message], name: str) -> frozenset[str] | None:
    """The axioms reported for `name` (matched on its last component); None if not reported."""
    want = strip_guillemets(name).rsplit(".", 1)[-1]
    for message in messages:
        if message.severity != "info":
            continue
        text = message.data.strip()
        match = _DEPENDS.match(text) or _NONE.match(text)
        if match is None:
            continue
        if strip_guillemets(match.group("name")).rsplit(".", 1)[-1] != want:
            continue
        listed = match.groupdict().get("axioms") or ""
        return frozenset(strip_guillemets(a.strip()) for a in listed.split(",") if a.strip())
    return None
