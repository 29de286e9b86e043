"""GPU workers: Ray actors that reserve a GPU for checks that need one (CUDA translations)."""

from __future__ import annotations

from typing import Any


def gpu_translation_worker(num_gpus: float = 1.0, config: dict[str, Any] | None = None) -> Any:
    """A Ray actor handle for `GpuTranslationWorker` that holds `num_gpus` GPUs."""
    import ray

    from assay.verifiers.translation.gpu import GpuTranslationWorker

    actor = ray.remote(num_gpus=num_gpus, num_cpus=1)(GpuTranslationWorker)
    return actor.remote(config)
