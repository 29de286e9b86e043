"""Where a run's work goes: a generation lane of replicas and a check lane of verifier workers,
on Ray (a run) or on threads of this process (tests, small tools). `Compute.open` starts or
joins Ray only when a run has work to do, so a rerun of a finished run never pays for it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from assay.flows.engine import calls
from assay.flows.engine.checks import ray_checks, thread_checks
from assay.flows.engine.lanes import CheckLane, GenerationLane
from assay.flows.engine.startup import wait_ready
from assay.flows.engine.steps import Check, Failed, Generate, GenerationFailed, Op
from assay.verifiers.sandbox import Limits
from assay.workers.api import Generator

if TYPE_CHECKING:
    from assay.flows.config import RunConfig
    from assay.flows.progress import Progress

DEFAULT_BATCH = 32  # prompts per generator call for a backend that declares none


def batch_size(config: RunConfig, generator: Any) -> int:
    """The configured batch size, else the backend's own (hundreds for vLLM, a few locally)."""
    return config.generator.batch_size or int(getattr(generator, "batch_size", DEFAULT_BATCH))


@contextmanager
def ray_for(config: RunConfig, progress: Progress) -> Iterator[Any]:
    """Ray for a run (`workers.session`): the cluster at `ray.address` (or `$RAY_ADDRESS`)
    joined, else a local Ray started and, on exit, stopped; said on the progress line. A Ray
    already up in this process (the run's own, a test's) is used as it is."""
    import ray

    from assay.workers.session import ray_session

    address = config.ray.address or os.environ.get("RAY_ADDRESS") or None
    if not ray.is_initialized():
        progress.note("starting Ray" if address is None else f"joining Ray at {address}")
    with ray_session(address, num_cpus=config.ray.num_cpus) as held:
        yield held


@dataclass(eq=False)
class Compute:
    """The two lanes of one run, and the run's verifier (name and options) for `Check` ops that
    name none."""

    generation: GenerationLane
    checks: CheckLane
    verifier: str
    options: dict[str, Any] | None = None
    ready_timeout_s: float = 1800.0

    @classmethod
    @contextmanager
    def open(
        cls,
        config: RunConfig,
        progress: Progress,
        verifier: str,
        options: dict[str, Any] | None,
        limits: Limits,
    ) -> Iterator[Compute]:
        """Ray-backed: `generator.replicas` generator actors, a verifier actor per core."""
        from assay.verifiers.sandbox import SandboxOptions, open_sandbox
        from assay.workers.pools import RayReplica
        from assay.workers.spec import GeneratorSpec

        gen = config.generator
        box = SandboxOptions(config.verify.isolation)
        if box.isolation == "require":
            open_sandbox(options=box).close()  # refuse here, before Ray or a model starts
        with ray_for(config, progress):
            spec = GeneratorSpec.of(gen)
            size = batch_size(config, spec.build())
            progress.note(
                f"model {spec.model} ({spec.backend}): {gen.replicas} replica(s), "
                f"batches of up to {size} prompts"
            )
            replicas = [
                RayReplica(spec, f"generator replica {i} ({spec.backend})")
                for i in range(gen.replicas)
            ]
            ready_s = config.engine.ready_timeout_s
            compute = cls(
                GenerationLane(
                    replicas, size, gen.max_in_flight, gen.retries, gen.call_timeout_s, ready_s
                ),
                ray_checks(config, limits, box, held_cpus=gen.replicas * gen.num_cpus),
                verifier,
                options,
                ready_s,
            )
            try:
                yield compute
            finally:
                compute.close()

    @classmethod
    @contextmanager
    def local(
        cls,
        generator: Generator,
        verifier: str,
        limits: Limits,
        options: dict[str, Any] | None = None,
        jobs: int = 1,
        batch: int = DEFAULT_BATCH,
    ) -> Iterator[Compute]:
        """In this process: the generator on a thread, `jobs` sandboxes on threads."""
        from assay.workers.pools import ThreadReplica

        compute = cls(
            GenerationLane([ThreadReplica(generator)], batch, 1),
            thread_checks(limits, jobs),
            verifier,
            options,
        )
        try:
            yield compute
        finally:
            compute.close()

    def submit(self, op: Op, done: Callable[[list[Any]], None]) -> None:
        """Queue `op`; `done` gets its answers (at once for an empty one)."""
        if isinstance(op, Generate):
            if not op.requests:
                done([])
            else:
                self.generation.submit(op.requests, lambda got: done(_failed_or(got)))
        elif isinstance(op, Check):
            if not op.items:
                done([])
            elif op.verifier:
                self.checks.submit(op.verifier, op.options, op.items, done)
            else:
                self.checks.submit(self.verifier, self.options, op.items, done)
        else:
            raise TypeError(f"a program yielded {op!r}; yield Generate(...) or Check(...)")

    def step(self, timeout: float | None = None) -> bool:
        """One turn of both lanes (`calls.step`): False when nothing is in flight."""
        return calls.step((self.generation, self.checks), timeout)

    def ready(self) -> float:
        """Wait until every worker has started (models loaded, sandboxes open); the seconds
        waited. Workers that cannot say (threads) count as started. One that failed to start,
        or is not up within `ready_timeout_s`, raises `WorkersNotReady` naming it and why."""
        return wait_ready([*self.generation.workers, *self.checks.workers], self.ready_timeout_s)

    def fill(self) -> int:
        """Tasks to keep open so that every replica's calls fill twice over (each task asks
        for at least one prompt at a time)."""
        gen = self.generation
        return max(64, 2 * len(gen.workers) * gen.in_flight * gen.batch_size)

    def stats(self) -> dict[str, Any]:
        calls = self.generation.calls
        return {
            "generator_calls": calls,
            "prompts": self.generation.prompts,
            "mean_batch": self.generation.prompts / calls if calls else 0.0,
            "checks": self.checks.checks,
            "replica_restarts": sum(self.generation.epochs),
            "verifier_restarts": sum(self.checks.epochs),
            "failed_prompts": len(self.generation.failed),
        }

    def close(self) -> None:
        self.generation.close()
        self.checks.close()


def _failed_or(answers: list[Any]) -> Any:
    """A `Generate`'s answers, or `GenerationFailed` when some request got none."""
    failed = [a for a in answers if isinstance(a, Failed)]
    return GenerationFailed(failed) if failed else answers
