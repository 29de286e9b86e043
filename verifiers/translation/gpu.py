"""CUDA translations run only on a GPU worker: this class, made a Ray actor that reserves a GPU by
`assay.workers.gpu.gpu_translation_worker`, checks with `TranslationConfig(gpu=True)`. The
verifier stays free of Ray. Untested on a GPU in this repo's CI
(no GPU there); the `gpu`-marked test runs it where one is present.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import asdict
from typing import Any


def gpu_present() -> bool:
    """An NVIDIA GPU that nvidia-smi can see, and nvcc to compile for it."""
    smi = shutil.which("nvidia-smi")
    if smi is None or shutil.which("nvcc") is None:
        return False
    try:
        out = subprocess.run([smi, "-L"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.returncode == 0 and "GPU" in out.stdout


class GpuTranslationWorker:
    """One sandbox and one GPU-enabled checker; `check` takes and returns plain data."""

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        from assay.verifiers.sandbox import open_sandbox
        from assay.verifiers.translation.config import TranslationConfig
        from assay.verifiers.translation.verifier import TranslationChecker

        self.checker = TranslationChecker(TranslationConfig(**{**(config or {}), "gpu": True}))
        self.sandbox = open_sandbox()

    def check(self, item: dict[str, Any], limits: dict[str, Any]) -> dict[str, Any]:
        from assay.verifiers.sandbox import Limits
        from assay.verifiers.translation.items import TranslationItem

        verdict = self.checker.check(TranslationItem(**item), self.sandbox, Limits(**limits))
        return asdict(verdict)
