"""A run split into shards (`engine.shards`): each shard's tasks driven by its own engine loop
in a Ray actor, all feeding the one host of the run's workers (`engine.remote`), each committing
its own folders to the one dataset. Prefect sees one task per shard.

A task's program depends on the task and its place among the run's tasks, never on which loop
drives it or what else that loop drives, so N shards commit the rows of one. A shard's state is
its own: it reads back what its tasks committed (a rerun resumes each shard where it stopped),
and the run's state reads everything back once the shards end, for the run's summary.
"""

from __future__ import annotations

import threading
import time
from contextlib import ExitStack
from functools import partial
from types import ModuleType
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture, wait
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from assay.flows.config import RunConfig
from assay.flows.engine.compute import Compute, ray_for
from assay.flows.engine.remote import RemoteCompute, host_actor
from assay.flows.engine.rounds import Pending
from assay.flows.progress import Progress, Stage
from assay.flows.state import RunState

WATCH_S = 1.0  # how often a shard's Prefect task reads its loop's progress


class Counted(Progress):
    """Quiet progress that counts the tasks its loop finished (a shard's, read by its task)."""

    def __init__(self) -> None:
        super().__init__(quiet=True)
        self.stages: list[Stage] = []

    def stage(self, label: str, total: int) -> Stage:
        made = super().stage(label, total)
        self.stages.append(made)
        return made


class Shard:
    """One shard's loop (a Ray actor): its tasks' state, opened here, and the run's workers
    through the host."""

    def __init__(self) -> None:
        self.progress = Counted()

    def finished(self) -> int:
        return sum(stage.done for stage in self.progress.stages)

    def run(self, config: RunConfig, part: Pending, host: Any, fill: int) -> dict[str, Any]:
        from assay.flows.domains import get
        from assay.flows.engine.rounds import run_programs

        parts = get(config.domain).flow()
        state = parts.open_state(config, part.roots)  # the run's task stream, read here
        remote = RemoteCompute(host, part.shard, fill)
        try:
            return run_programs(state, parts, remote, self.progress, part)
        finally:
            state.close()


@task(cache_policy=NO_CACHE, name="shard")
def shard(config: RunConfig, part: Pending, host: Any, fill: int, bar: Stage,
          lock: threading.Lock) -> int:  # fmt: skip
    """A shard's tasks to their end in a Ray actor; advances the run's bar as they finish."""
    import ray

    actor: Any = ray.remote(Shard).options(num_cpus=0, max_concurrency=2).remote()
    try:
        ref, seen = actor.run.remote(config, part, host, fill), 0
        while not ray.wait([ref], timeout=WATCH_S)[0]:
            seen = _show(actor, bar, lock, seen)
        ray.get(ref)
        _show(actor, bar, lock, seen)
        return part.todo
    finally:
        ray.kill(actor)


def _show(actor: Any, bar: Stage, lock: threading.Lock, seen: int) -> int:
    import ray

    done = int(ray.get(actor.finished.remote()))
    with lock:
        for _ in range(done - seen):
            bar.advance()
    return done


def run_shards(
    state: RunState, parts: ModuleType, pend: Pending, progress: Progress
) -> dict[str, Any]:
    """The pending tasks `pend` over `engine.shards` loops sharing one host of workers; the
    workers' counters. A shard that fails fails the run once the others end (a rerun resumes).
    Each shard reads the run's tasks from their sources itself (a cluster's nodes need the
    task files at the same paths, as its workers need the dataset)."""
    config = state.config
    n = config.engine.shards
    shards = [p for p in (pend.part(k, n) for k in range(n)) if p.todo]
    name, options = parts.verifier(config)
    with ray_for(config, progress):
        import ray

        host = host_actor(len(shards)).remote(
            partial(_compute, config, name, options, state.limits)
        )
        try:
            started = time.monotonic()
            ray.get(host.ready.remote())
            progress.note(
                f"workers ready in {time.monotonic() - started:.0f}s; {len(shards)} shards"
            )
            fill = config.engine.window or int(ray.get(host.fill.remote()))
            bar, lock = progress.stage("tasks", pend.todo), threading.Lock()
            try:
                runner: ThreadPoolTaskRunner[Any] = ThreadPoolTaskRunner(max_workers=len(shards))
                with runner:
                    futures: list[PrefectFuture[Any]] = [
                        runner.submit(shard, {"config": config, "part": quote(part),
                                              "host": quote(host), "fill": fill,
                                              "bar": quote(bar), "lock": quote(lock)})
                        for part in shards
                    ]  # fmt: skip
                    wait(futures)
                    for future in futures:
                        future.result()  # a shard's error, once every shard has ended
            finally:
                bar.close()
            return dict(ray.get(host.stats.remote()))
        finally:
            ray.get(host.close.remote())
            ray.kill(host)


def _compute(
    config: RunConfig, name: str, options: dict[str, Any] | None, limits: Any, stack: ExitStack
) -> Compute:
    """The run's workers, opened in the host actor."""
    return stack.enter_context(Compute.open(config, Progress(quiet=True), name, options, limits))
