"""The domain registry: every domain assay runs, by name, in one place.

A domain is a package that declares what is particular to it: its task formats, its config
section (a pydantic model, named by import path), its check limits, how curation reads its
samples, and in `flow.py` its importers, task validation, per-task program, verifier and
summary. The runner, config, curation, export, CLI and engine ask this registry; none of them
names a domain. Adding a domain is one package and one `register(Domain(...))` line: below for
assay's own, anywhere (a plugin, a test) for others.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any


@dataclass(frozen=True)
class Domain:
    """What the rest of assay may know of a domain without importing its flow parts. Parts
    named by import path (`module:attribute`) are imported when first needed."""

    name: str
    formats: frozenset[str]  # task file formats it reads, besides `assay` task files
    section: str | None = None  # its own run-config section, read and hashed only for it
    config: str | None = None  # the section's pydantic model, e.g. "pkg.config:VerilogConfig"
    limits: dict[str, Any] = field(default_factory=dict)  # default check limits it needs
    package: str = ""  # where its `flow` module lives; default `assay.flows.domains.<name>`
    normal_form: str | None = None  # exact-dedup key of a response; default: spaces collapsed
    near_form: str | None = None  # what near dedup compares; default: the response itself
    rouge_l: bool = False  # a prompt close to a benchmark prompt (ROUGE-L) is contamination
    # The verifiers its runs check with, each with the `--set` overrides of its section that
    # pick it (`assay verify NAME` without --config runs these defaults).
    verifiers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    views: str | None = None  # a .sql file in its package: the views it adds to the dataset's

    def __post_init__(self) -> None:
        if (self.section is None) != (self.config is None):
            raise ValueError(f"domain {self.name!r}: give both a config section and its model")

    def flow(self) -> ModuleType:
        """Its flow parts (`<package>.flow`), imported when first needed."""
        return importlib.import_module(f"{self.package or f'assay.flows.domains.{self.name}'}.flow")

    def view_sql(self) -> str:
        """The SQL of the views it adds ('' when it adds none), read from its package."""
        if not self.views:
            return ""
        from importlib.resources import files

        return (
            files(self.package or f"assay.flows.domains.{self.name}")
            .joinpath(self.views)
            .read_text()
        )

    def section_model(self) -> Any:
        """The pydantic model of its config section (None: it has none)."""
        return part(self.config) if self.config else None


def part(path: str) -> Any:
    """The object an import path `module:attribute` names."""
    module, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module), attribute)


def text_form(path: str | None, default: Callable[[str], str]) -> Callable[[str], str]:
    """The function `path` names, else `default`."""
    return part(path) if path else default


DOMAINS: dict[str, Domain] = {}


def register(domain: Domain) -> Domain:
    """Add `domain`; a second domain of the same name, or a format another domain reads, is
    refused (a task file's format must say which domain reads it)."""
    if domain.name in DOMAINS:
        raise ValueError(f"a domain named {domain.name!r} is already registered")
    for other in DOMAINS.values():
        if shared := domain.formats & other.formats:
            raise ValueError(f"formats {sorted(shared)} are read by domain {other.name!r}")
        if domain.section is not None and domain.section == other.section:
            raise ValueError(f"config section {domain.section!r} is domain {other.name!r}'s")
    DOMAINS[domain.name] = domain
    return domain


def get(name: str) -> Domain:
    """The domain `name`; an unknown name raises listing the registered ones."""
    if name not in DOMAINS:
        raise ValueError(f"no domain named {name!r}; registered: {', '.join(sorted(DOMAINS))}")
    return DOMAINS[name]


def views() -> tuple[str, ...]:
    """The SQL of the views every registered domain adds, for `schemas.query.reading`."""
    return tuple(sql for d in DOMAINS.values() if (sql := d.view_sql()))


def run_of(verifier: str) -> tuple[str, ...] | None:
    """The `--set` overrides of a run that checks with `verifier` (None: no domain's runs do)."""
    for d in DOMAINS.values():
        if verifier in d.verifiers:
            return (f"domain={d.name}", *d.verifiers[verifier])
    return None


def owning(section: str) -> Domain | None:
    """The domain whose config section is `section`, if any."""
    return next((d for d in DOMAINS.values() if d.section == section), None)


_D = "assay.flows.domains"
# fmt: off
register(Domain("code", frozenset({"humaneval", "mbpp", "apps", "codecontests"}),
                section="code", config=f"{_D}.code.config:CodeConfig",
                normal_form=f"{_D}.code.curation:normal_form",
                near_form=f"{_D}.code.curation:near_form", verifiers={"python": ()}))
register(Domain("verilog", frozenset({"verilogeval"}),
                section="verilog", config=f"{_D}.verilog.config:VerilogConfig",
                normal_form=f"{_D}.verilog.curation:normal_form",
                near_form=f"{_D}.verilog.curation:near_form", rouge_l=True,
                verifiers={"verilog": (), "verilog-formal": ("verilog.formal=true",),
                           "verilog-proof": ("verilog.formal=true", "verilog.require_proof=true")}))
register(Domain("proofs", frozenset({"minif2f-coq", "minif2f-lean"}),
                section="proofs", config=f"{_D}.proofs.config:ProofsConfig",
                limits={"wall_s": 30.0, "cpu_s": 20.0, "memory_mb": 2048},  # coqc needs ~1 GiB
                verifiers={"coq": (), "lean": ("proofs.backend=lean",)}, views="views.sql"))
register(Domain("translation", frozenset({"pareval"}),
                section="translation", config=f"{_D}.translation.config:TranslationFlowConfig",
                verifiers={"translation": ()}, views="views.sql"))
# fmt: on
