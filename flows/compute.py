"""Where a flow's heavy work runs: one generation actor and a pool of verifier actors on Ray.

Prefect tasks stay coarse and call these from inside; Ray is started (or joined) only when a run
has work to do, so a rerun of a finished run never pays for it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from assay.flows.config import RunConfig
from assay.flows.progress import Progress
from assay.schemas.records import Role, Verdict
from assay.verifiers.sandbox import Limits
from assay.workers.api import Completion, Request


class Compute:
    """Generation and verification for one flow run, backed by Ray actors. A domain's subclass
    names its verifier; `options` configure it (see `registry.configured`)."""

    verifier = "python"

    def __init__(self, generator: Any, pool: int | None) -> None:
        self._generator = generator
        self._pool = pool
        self.options: dict[str, Any] | None = None

    @classmethod
    @contextmanager
    def open(cls, config: RunConfig, progress: Progress) -> Iterator[Compute]:
        from assay.workers.dispatch import GeneratorSpec, generator_actor, release
        from assay.workers.session import ray_session

        address = config.ray.address or os.environ.get("RAY_ADDRESS") or None
        progress.note("starting Ray" if address is None else f"joining Ray at {address}")
        with ray_session(address, num_cpus=config.ray.num_cpus):
            spec = GeneratorSpec.of(config.generator)
            progress.note(f"model {spec.model} ({spec.backend})")
            try:
                yield cls(generator_actor(spec), config.verify.pool)
            finally:
                release()

    def generate(
        self, groups: dict[str, list[tuple[Role, Request]]]
    ) -> Iterator[tuple[str, list[Completion]]]:
        """Completions per task, yielded as each task's requests finish (for per-task commits)."""
        import ray

        pending = {
            self._generator.generate.remote([req for _, req in pairs]): task_id
            for task_id, pairs in groups.items()
        }
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            task_id = pending.pop(done[0])
            yield task_id, ray.get(done[0])

    def check(self, items: list[dict[str, Any]], limits: Limits) -> list[Verdict]:
        """Checks by this domain's verifier spread over the verifier pool; verdicts come back in
        input order."""
        from assay.workers.dispatch import run_checks

        return run_checks(self.verifier, items, limits, self._pool, self.options) if items else []
