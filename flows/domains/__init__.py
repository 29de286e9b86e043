"""The domain registry: every domain assay runs, by name, in one place.

A domain is a package under `assay.flows.domains` that declares what is particular to it (its
task formats, its own config section, its check limits, and in `flow.py` its importers, task
validation, per-task program, verifier and summary). The runner, config, CLI and engine ask this
registry; none of them names a domain. Adding a domain is one package and one line below.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any


@dataclass(frozen=True)
class Domain:
    """What the rest of assay may know of a domain without importing its flow parts."""

    name: str
    formats: frozenset[str]  # task file formats it reads, besides `assay` task files
    section: str | None = None  # its own run-config section, read and hashed only for it
    limits: dict[str, Any] = field(default_factory=dict)  # default check limits it needs

    def flow(self) -> ModuleType:
        """Its flow parts (`assay.flows.domains.<name>.flow`), imported when first needed."""
        return importlib.import_module(f"assay.flows.domains.{self.name}.flow")


DOMAINS: dict[str, Domain] = {
    d.name: d
    for d in (
        Domain("code", frozenset({"humaneval", "mbpp", "apps"})),
        Domain("verilog", frozenset({"verilogeval"}), section="verilog"),
        Domain("proofs", frozenset({"minif2f-coq", "minif2f-lean"}), section="proofs",
               limits={"wall_s": 30.0, "cpu_s": 20.0, "memory_mb": 2048}),  # coqc needs ~1 GiB
        Domain("translation", frozenset({"pareval"}), section="translation"),
    )
}  # fmt: skip


def get(name: str) -> Domain:
    """The domain `name`; an unknown name raises listing the registered ones."""
    if name not in DOMAINS:
        raise ValueError(f"no domain named {name!r}; registered: {', '.join(sorted(DOMAINS))}")
    return DOMAINS[name]
