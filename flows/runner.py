"""`assay run`: run a domain flow under Prefect, then print what it committed and how to query."""

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


def print_summary(summary: Summary) -> None:
    c = summary.counts
    out = sys.stdout
    rate = c["verdicts_pass"] / c["verdicts"] if c.get("verdicts") else 0.0
    out.write(
        f"\nassay run {c['run_id']}: {summary.state} in {summary.seconds:.0f}s\n"
        f"  tasks       {c['tasks']} ({c['tasks_solved']} with a verified sample)\n"
        f"  candidates  {c['solutions']} solutions, {c['tests']} test suites\n"
        f"  verdicts    {c['verdicts']} ({c['verdicts_pass']} pass, {rate:.0%})\n"
        f"  samples     {c['samples']} committed\n"
        f"  dataset     {c['dataset']}\n"
        f'\nTry:\n  assay sql "SELECT count(*) FROM samples" --dataset {c["dataset"]}\n'
        f'  assay sql "SELECT task_id, strategy, score, left(response, 60) AS response '
        f'FROM samples" --dataset {c["dataset"]}\n'
    )


def run_pipeline(config: RunConfig, quiet: bool = False) -> Summary:
    """Run the config's domain flow to the end and print a summary."""
    from assay.flows.sources import load_tasks

    load_tasks(config)  # a bad task file fails here, before Prefect, Ray or any commit
    prefect_defaults()
    from assay.flows.code_flow import code_flow

    started = time.monotonic()
    counts = code_flow(config, quiet=quiet)
    summary = Summary(counts["state"], counts, time.monotonic() - started)
    if not quiet:
        print_summary(summary)
    return summary
