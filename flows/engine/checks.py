"""The check lane's workers, and checks sent through it alone: a run's `Compute`, `assay
verify`, benches and tests all check through the same lane (chunks, deadlines, a lost worker
replaced and its items retried alone), on Ray verifier actors or on threads of this process.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from typing import TYPE_CHECKING, Any

from assay.flows.engine.calls import LaneError, step
from assay.flows.engine.lanes import CheckLane
from assay.schemas.records import Verdict
from assay.verifiers import registry
from assay.verifiers.jsonl import items_of
from assay.verifiers.sandbox import Limits, SandboxOptions

if TYPE_CHECKING:
    from assay.flows.config import RunConfig


def verifier_share(cpus: float, held: float, pool: int) -> float:
    """The CPUs each of `pool` verifier actors declares: an equal part of what the generator
    replicas leave free (`held` of the cluster's `cpus`), at most one, never zero, so the pool
    never waits on resources it cannot get."""
    free = max(0.0, cpus - held)
    return max(0.01, int(min(1.0, free / pool) * 100) / 100)


def ray_checks(
    config: RunConfig, limits: Limits, sandbox: SandboxOptions, held_cpus: float = 0.0
) -> CheckLane:
    """A verifier actor per cluster core (or `verify.pool`) on the running Ray, sharing the CPU
    that the generator replicas (`held_cpus`) leave free, with the run's check deadlines."""
    import ray

    from assay.workers.pools import RayChecker

    cpus = float(ray.cluster_resources().get("CPU", 1))
    pool = config.verify.pool or max(1, int(cpus))
    share = verifier_share(cpus, held_cpus, pool)
    return CheckLane(
        [RayChecker(share, sandbox, f"verifier actor {i}") for i in range(pool)],
        limits,
        max_chunk=config.engine.check_chunk,
        item_timeout_s=config.verify.item_timeout_s,
        slack_s=config.verify.call_slack_s,
        ready_timeout_s=config.engine.ready_timeout_s,
    )


def thread_checks(
    limits: Limits, jobs: int = 1, sandbox: SandboxOptions | None = None
) -> CheckLane:
    """`jobs` verifier workers on threads of this process, each with its own sandbox."""
    from assay.workers.pools import ThreadChecker

    return CheckLane([ThreadChecker(sandbox) for _ in range(max(1, jobs))], limits)


@contextmanager
def closing(lane: CheckLane) -> Iterator[CheckLane]:
    """`lane`, its workers stopped (actors killed, sandboxes closed) on the way out."""
    try:
        yield lane
    finally:
        lane.close()


def checked(
    lane: CheckLane, verifier: str, options: dict[str, Any] | None, items: Sequence[Any]
) -> Iterator[Verdict]:
    """Verdicts of `verifier` (built with `options`) in item order, each as soon as it and
    those before it are back. Every item is validated before any is sent."""
    models = items_of(registry.configured(verifier, options), items)
    got: dict[int, Verdict] = {}

    def answer(index: int, verdicts: list[Any]) -> None:
        got[index] = verdicts[0]

    for index, model in enumerate(models):
        lane.submit(verifier, options, [model], partial(answer, index))
    for index in range(len(models)):
        while index not in got:
            if not step([lane]):
                raise LaneError(f"the check lane went idle with item {index} unanswered")
        yield got.pop(index)


def checks_here(
    verifier: str,
    items: Sequence[Any],
    limits: Limits,
    options: dict[str, Any] | None = None,
    jobs: int = 1,
) -> list[Verdict]:
    """Verdicts of `items`, in order, from `jobs` verifier workers on threads of this process."""
    with closing(thread_checks(limits, jobs)) as lane:
        return list(checked(lane, verifier, options, items))
