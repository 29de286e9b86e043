"""The sandbox: the only way model-written code runs. See THREAT_MODEL.md beside this file."""

from assay.verifiers.sandbox.api import Execution, Limits, Sandbox
from assay.verifiers.sandbox.client import SandboxError, ZygoteSandbox, open_sandbox

__all__ = ["Execution", "Limits", "Sandbox", "SandboxError", "ZygoteSandbox", "open_sandbox"]
