"""What the service checks each verifier with: the options and sandbox limits `assay verify
NAME` uses without --config (a run's defaults for that verifier), so a verdict's `config_hash`
is the one the command line and a run record."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from assay.flows.domains import run_of
from assay.flows.verify_setup import VerifySetup, check_limits, verify_setup
from assay.verifiers import registry


class ServiceConfig(BaseModel):
    """The server's settings, validated before anything starts."""

    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=8077, ge=0, le=65535)
    address: str | None = None  # None: a local Ray; "auto" or "ray://host:port": a cluster's
    token: str | None = None  # bearer token the requests must carry (None: none asked)
    min_workers: int = Field(default=1, ge=1)  # verifier worker replicas (Serve autoscales between)
    max_workers: int | None = Field(default=None, ge=1)  # None: one per cluster CPU
    max_queue: int = Field(default=256, ge=1)  # items admitted at once; more gets 429
    max_chunk: int = Field(default=8, ge=1)  # items per call to a worker
    tries: int = Field(default=2, ge=1)  # workers an item may be lost with before judged: false
    item_timeout_s: float | None = Field(default=None, gt=0)  # None: from limits (item_budget)
    slack_s: float = Field(default=60.0, ge=0)


@dataclass(frozen=True)
class Setup:
    """One verifier as the service checks with it, and its item fields (for GET /verifiers)."""

    name: str
    options: dict[str, Any] | None
    limits: Any  # sandbox Limits
    fields: dict[str, Any]


def setup_of(name: str) -> VerifySetup:
    """`name` as `assay verify NAME` builds it with no --config: a run's defaults for it, or
    (a verifier no run checks with, such as `program`) no options and the default limits."""
    if run_of(name) is not None:
        return verify_setup(name, None, [])
    from assay.flows.config import load_config

    return VerifySetup(registry.get(name), None, check_limits(load_config(None, [])))


def fields_of(item: type[BaseModel]) -> dict[str, Any]:
    """An item model's fields: each one's type and whether a line must carry it."""

    def named(kind: Any) -> str:
        return kind.__name__ if isinstance(kind, type) else str(kind).replace("typing.", "")

    return {
        name: {"type": named(f.annotation), "required": f.is_required()}
        for name, f in item.model_fields.items()
    }


def setups() -> dict[str, Setup]:
    """Every registered verifier that sets up with the defaults (one that does not is left
    out, and the server's log says why)."""
    found = {}
    for name in registry.names():
        try:
            setup = setup_of(name)
        except Exception as exc:  # a verifier this machine cannot build is not served
            print(f"assay verify-server: {name} is not served: {exc}", flush=True)
            continue
        fields = fields_of(setup.verifier.Item)
        found[name] = Setup(name, setup.options, setup.limits, fields)
    return found
