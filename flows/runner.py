"""`assay run`: run a domain's rounds under Prefect, then print what it committed and how to
query it."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from typing import Any

from assay.flows.config import RunConfig


@dataclass(frozen=True)
class Summary:
    state: str
    counts: dict[str, Any]
    seconds: float


def prefect_defaults() -> None:
    """Prefect's per-task INFO lines drown the progress bars (warnings and errors still show),
    and its usage reporting is off; any of these can be set by the user instead."""
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_LOGGING_TO_API_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # A first start migrates Prefect's database; on a small, busy machine that exceeds 20 s.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")


def flow_for(config: RunConfig) -> Any:
    """The Prefect flow that runs `config`, named for its domain (`assay-code`, ...)."""
    from assay.flows.engine.run import run_flow

    return run_flow.with_options(name=f"assay-{config.domain}")


def run_pipeline(config: RunConfig, quiet: bool = False, wait_s: float = 0.0) -> Summary:
    """Run the config's domain flow to the end and print a summary. Only one process works on a
    run id at a time (`ops.lock`): while another holds it, this one waits up to `wait_s`, then
    ends in state `busy` naming the holder."""
    from assay.flows.domains import get
    from assay.flows.ops.ephemeral import temporary_api
    from assay.flows.ops.lock import RunBusy, run_lock
    from assay.flows.ops.sweeper import start_sweeper
    from assay.flows.sources import Loaded, first_pass, stream_tasks

    parts = get(config.domain).flow()
    tasks = stream_tasks(config, parts.check_tasks)  # every pass checks what it reads
    count = first_pass(tasks)  # a bad line fails here, before any commit (few tasks: held)
    prefect_defaults()
    started = time.monotonic()
    try:
        with run_lock(config.dataset, config.id, wait_s):
            start_sweeper()  # a kill of this process takes everything the run starts along
            temporary_api()  # Prefect's server for this run, bound to it
            counts = flow_for(config)(config, quiet=quiet, loaded=Loaded(count=count, tasks=tasks))
    except RunBusy as exc:
        print(f"assay: {exc}", file=sys.stderr)
        return Summary("busy", {"state": "busy", "message": str(exc)}, time.monotonic() - started)
    summary = Summary(counts["state"], counts, time.monotonic() - started)
    if not quiet:
        parts.print_summary(summary)
    return summary
