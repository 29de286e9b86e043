"""Read `Print Assumptions` output from assay's own audit run and judge what it lists.

The audit is a separate coqc process on a file assay writes (`Require Assay.Check. Print
Assumptions Assay.Check.<name>.`), its output captured to its own file: the candidate's proof
ran earlier, in another process, and cannot print into it. Names are printed as short as Coq
can make them unambiguous (`ClassicalDedekindReals.sig_forall_dec`), so an allowed name matches
when it ends with the printed one at a dot boundary; the candidate's own file is `Check`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

CLOSED = "Closed under the global context"
MODULE = "Check"
# How 8.16 lists constants whose checks were switched off (Unset Guard/Positivity/Universe
# Checking): as "axioms" with these phrases instead of a type.
UNSAFE = re.compile(r"^\S+ (is assumed to be (guarded|positive)|relies on an unsafe hierarchy)")
SECTIONS = {
    "Axioms",
    "Section Variables",
    "Opaque constants",
    "Transparent constants",
    "Constants/Inductives relying on type-in-type",
    "Constants/Inductives relying on unsafe (co)fixpoints",
    "Inductives whose positivity is assumed",
}  # the checked file's module name inside the audit (`Assay.Check`)


@dataclass(frozen=True)
class Assumptions:
    closed: bool
    sections: dict[str, list[str]] = field(default_factory=dict)  # "Axioms" -> names

    unsafe: list[str] = field(default_factory=list)  # "x is assumed to be guarded", ...

    @property
    def axioms(self) -> list[str]:
        return self.sections.get("Axioms", [])


def parse(output: str) -> Assumptions | None:
    """The assumptions listed in `output`; None when it holds no Print Assumptions answer.

    Lines before the answer (a warning while loading, say) are skipped; inside a section, a
    line at column 0 is an entry (`name` or `name : type`), an indented one continues its type.
    """
    lines = [line for line in output.splitlines() if line.strip()]
    if CLOSED in lines:
        return Assumptions(True)
    sections: dict[str, list[str]] = {}
    unsafe: list[str] = []
    current: list[str] | None = None
    for line in lines:
        if line.endswith(":") and line[:-1] in SECTIONS:
            current = sections.setdefault(line[:-1], [])
        elif current is not None and UNSAFE.search(line):
            unsafe.append(line.strip())
        elif current is not None and not line[0].isspace():
            current.append(re.split(r"\s|:", line, maxsplit=1)[0])
    return Assumptions(False, sections, unsafe) if sections else None


def allowed(printed: str, names: frozenset[str]) -> bool:
    """True when `printed` (at least `Module.name`) is the tail of an allowed qualified name."""
    if "." not in printed or printed.startswith(MODULE + "."):
        return False
    return any(name == printed or name.endswith("." + printed) for name in names)


def header_declared(header: str) -> frozenset[str]:
    """Names the trusted header declares as axioms or parameters (comment-free text), as the
    audit prints them: `Axiom a : T.`, `Parameters a b : T.`, `Parameters (a : T) (b : U).`"""
    found: set[str] = set()
    keyword = r"\b(?:Axioms?|Parameters?|Conjectures?|Hypothes[ie]s|Variables?)\b"
    for match in re.finditer(keyword + r"(.*?)\.(?=\s|$)", header, re.DOTALL):
        body = match.group(1).strip()
        groups = re.findall(r"\(([^:()]*):", body) if body.startswith("(") else [body.split(":")[0]]
        for group in groups:
            found.update(re.findall(r"[^\W\d][\w']*", group))
    return frozenset(f"{MODULE}.{name}" for name in found)
