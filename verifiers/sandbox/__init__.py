"""The sandbox: the only way model-written code runs. See THREAT_MODEL.md beside this file.

Exports load on first use: the zygote imports this package's modules too, and every module it
holds (`client` brings `subprocess`, `threading` and `logging`) makes each check's fork slower.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assay.verifiers.sandbox.api import Execution, Limits, Sandbox, SandboxOptions
    from assay.verifiers.sandbox.client import SandboxError, ZygoteSandbox, open_sandbox
    from assay.verifiers.sandbox.policy import IsolationRefused

_HOMES = {
    "Execution": "api",
    "IsolationRefused": "policy",
    "Limits": "api",
    "Sandbox": "api",
    "SandboxOptions": "api",
    "SandboxError": "client",
    "ZygoteSandbox": "client",
    "open_sandbox": "client",
}
__all__ = [
    "Execution",
    "IsolationRefused",
    "Limits",
    "Sandbox",
    "SandboxError",
    "SandboxOptions",
    "ZygoteSandbox",
    "open_sandbox",
]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
