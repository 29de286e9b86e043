"""`assay serve`: a run as a Prefect deployment on a schedule, with no two runs at once.

The deployment's concurrency limit (`concurrency`, default 1) keeps a slow run and the next
scheduled one from overlapping; a colliding run is cancelled (`skip`) or waits its turn
(`queue`). Each run also holds the run's lock (`ops.lock`), so a hand-started `assay run` of the
same config and dataset never works alongside it. Without a configured Prefect API, assay's own
local server (`ops.server`) is started or reused: Prefect's ephemeral one cannot schedule.
"""

# No `from __future__ import annotations`: Prefect builds the flow's parameter model from the
# annotations of `scheduled_run` when a deployment runs it, so they must be real objects.
import sys
from typing import Any, Literal

from prefect import flow
from pydantic import BaseModel, ConfigDict, Field, model_validator

from assay.flows.config import RunConfig
from assay.flows.ops.server import ServerConfig

Collision = Literal["skip", "queue"]


class ScheduleConfig(BaseModel):
    """When a served run fires and what happens to one that collides with a running one."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    cron: str | None = None
    interval_s: float | None = Field(default=None, gt=0)
    concurrency: int = Field(default=1, ge=1)
    collision: Collision = "skip"

    @model_validator(mode="after")
    def _one_schedule(self) -> "ScheduleConfig":
        if (self.cron is None) == (self.interval_s is None):
            raise ValueError("give exactly one of --cron or --interval")
        return self


@flow(name="assay-scheduled", log_prints=False)
def scheduled_run(config: RunConfig, queue: bool = False) -> Any:
    """One scheduled run: the config's flow under the run lock. A run that finds the lock held
    waits for it (`queue`) or ends cancelled, naming the holder."""
    from prefect.states import Cancelled

    from assay.flows.ops.lifetime import follow_owner
    from assay.flows.runner import run_pipeline

    follow_owner()  # a killed `assay serve` takes the run it spawned (and what that started) along
    summary = run_pipeline(config, quiet=True, wait_s=float("inf") if queue else 0.0)
    if summary.state == "busy":
        return Cancelled(message=str(summary.counts["message"]))
    if summary.state != "completed":
        raise RuntimeError(f"run {config.id} ended {summary.state}")
    return {k: v for k, v in summary.counts.items() if k != "config_yaml"}


def configured_api() -> str | None:
    """The Prefect API this process would use (PREFECT_API_URL or the active profile's)."""
    from prefect.settings import get_current_settings

    url = get_current_settings().api.url
    return str(url) if url else None


def serve_schedule(config: RunConfig, schedule: ScheduleConfig, server: ServerConfig) -> None:
    """Serve `config` as a deployment on `schedule` until stopped. Without a configured API the
    local server is started (or reused); one started here is stopped when serving ends, and dies
    with this process if it is killed, as do the runs it spawned (`ops.lifetime`)."""
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
    from prefect.deployments.runner import EntrypointType
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from assay.flows.ops import server as local
    from assay.flows.ops.lifetime import mark_owner
    from assay.flows.ops.sweeper import start_sweeper
    from assay.flows.runner import prefect_defaults

    prefect_defaults()
    mark_owner()
    start_sweeper()
    url, started = configured_api(), False
    if url is None:
        running, started = local.start(server, bound=True)
        url = running.url
        how = "started" if started else "using"
        print(f"{how} assay's Prefect server at {url} (pid {running.pid})", file=sys.stderr)
    strategy = {"skip": ConcurrencyLimitStrategy.CANCEL_NEW,
                "queue": ConcurrencyLimitStrategy.ENQUEUE}[schedule.collision]  # fmt: skip
    limit = ConcurrencyLimitConfig(limit=schedule.concurrency, collision_strategy=strategy)
    try:
        with temporary_settings(updates={PREFECT_API_URL: url}):
            scheduled_run.with_options(name=f"assay-{config.domain}-scheduled").serve(
                name=schedule.name,
                cron=schedule.cron,
                interval=schedule.interval_s,
                global_limit=limit,  # the server decides a collision, not this runner
                parameters={
                    "config": config.model_dump(mode="json"),
                    "queue": schedule.collision == "queue",
                },
                description=f"assay run {config.name} ({config.id})",
                entrypoint_type=EntrypointType.MODULE_PATH,
            )
    finally:
        if started:
            local.stop(server)
