"""Roles: how each domain asks a model for an artefact, and how it reads the answer back.

A role is a name plus two pure functions, registered by (domain, role) so that flows and config
pick them by name. Building a request and extracting from a completion never run model output.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from assay.schemas.records import Task
from assay.workers.api import Request, Sampling


class UnknownRoleError(LookupError):
    """No role registered under that (domain, name); the message lists the known ones."""


@dataclass(frozen=True)
class RoleSpec:
    """`build(task, sampling, key=..., **context) -> Request` asks the model;
    `extract(text, task) -> artefact` reads a completion back (None or empty: nothing usable)."""

    domain: str
    name: str
    build: Callable[..., Request]
    extract: Callable[..., Any]

    def __post_init__(self) -> None:
        if not self.domain or not self.name:
            raise ValueError(
                f"RoleSpec needs a domain and a name, got {self.domain!r}/{self.name!r}"
            )


_ROLES: dict[tuple[str, str], RoleSpec] = {}


def register(spec: RoleSpec) -> RoleSpec:
    """Add a role; a second role under the same (domain, name) is refused."""
    key = (spec.domain, spec.name)
    if key in _ROLES:
        raise ValueError(f"role {spec.name!r} is already registered for domain {spec.domain!r}")
    _ROLES[key] = spec
    return spec


def _load_builtin() -> None:
    from assay.flows.roles import (  # noqa: F401 - registers roles
        code,
        inputgen,
        prover,
        rtl,
        translator,
    )


def known_roles() -> list[str]:
    """Every registered role as "domain/name", sorted."""
    _load_builtin()
    return [f"{d}/{n}" for d, n in sorted(_ROLES)]


def get_role(domain: str, name: str) -> RoleSpec:
    """The role, or an error listing the roles that exist."""
    _load_builtin()
    try:
        return _ROLES[(domain, name)]
    except KeyError:
        known = ", ".join(known_roles())
        raise UnknownRoleError(
            f"no role {name!r} for domain {domain!r}; known roles: {known}"
        ) from None


__all__ = [
    "RoleSpec",
    "Sampling",
    "Task",
    "UnknownRoleError",
    "get_role",
    "known_roles",
    "register",
]
