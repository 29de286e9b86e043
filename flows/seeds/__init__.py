"""The project's own seed tasks, shipped with the package (one JSONL file per domain).

They are read through the same validator as user task files, so a broken seed line fails with
the file, line and field named, exactly like a user's.
"""

from __future__ import annotations

import dataclasses
from importlib import resources
from pathlib import Path

from assay.schemas.records import Task

SEED_SOURCE = "seed"


def seed_domains() -> list[str]:
    """Domains that ship seed tasks."""
    folder = resources.files(__name__)
    return sorted(
        p.name.removesuffix(".jsonl") for p in folder.iterdir() if p.name.endswith(".jsonl")
    )


def seed_path(domain: str = "code") -> Path:
    """The bundled seed file for `domain`; raises listing the domains that have one."""
    path = Path(str(resources.files(__name__).joinpath(f"{domain}.jsonl")))
    if not path.is_file():
        raise ValueError(
            f"no bundled seed tasks for domain {domain!r}; domains with seeds: "
            f"{', '.join(seed_domains())}"
        )
    return path


def load_seed_tasks(domain: str = "code") -> list[Task]:
    """Seed tasks for `domain`, with source "seed" so their ids are stable across installs."""
    from assay.flows.sources import load_assay_file

    tasks = load_assay_file(seed_path(domain), domain)
    return [dataclasses.replace(t, source=SEED_SOURCE) for t in tasks]
