"""`assay run`: run a domain flow under Prefect, then print what it committed and how to query."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
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


def print_verilog_summary(summary: Summary) -> None:
    c = summary.counts
    out = sys.stdout
    rate = c["designs_pass"] / c["designs"] if c.get("designs") else 0.0
    trip = (
        f"  round trip  {c['roundtrip_kept']} of {c['roundtrip_tried']} specs kept\n"
        if c.get("roundtrip_tried")
        else ""
    )
    ds = c["dataset"]
    out.write(
        f"\nassay run {c['run_id']}: {summary.state} in {summary.seconds:.0f}s\n"
        f"  tasks       {c['tasks']} ({c['tasks_solved']} with a verified sample)\n"
        f"  designs     {c['designs']} ({c['designs_pass']} pass, {rate:.0%}; "
        f"mean per-task pass rate {c['mean_pass_rate']:.0%})\n"
        f"  verdicts    {c['verdicts']} ({c['verdicts_pass']} pass)\n"
        f"  pairs       {c['preference_pairs']} preference pairs (passing vs failing design)\n"
        f"{trip}"
        f"  samples     {c['samples']} committed\n"
        f"  dataset     {ds}\n"
        f'\nTry:\n  assay sql "SELECT name, candidates, passed, pass_rate FROM pass_rates" '
        f"--dataset {ds}\n"
        f'  assay sql "SELECT task_id, rejected_status FROM preference_pairs" --dataset {ds}\n'
    )


def flow_for(config: RunConfig) -> tuple[Callable[..., dict], Callable[[Summary], None]]:
    """The domain's flow and summary printer."""
    if config.domain == "verilog":
        from assay.flows.verilog_flow import verilog_flow

        return verilog_flow, print_verilog_summary
    if config.domain == "proofs":
        from assay.flows.proof_flow import proof_flow
        from assay.flows.proof_summary import print_proof_summary

        return proof_flow, print_proof_summary
    if config.domain == "translation":
        from assay.flows.translation_flow import translation_flow
        from assay.flows.translation_summary import print_translation_summary

        return translation_flow, print_translation_summary
    from assay.flows.code_flow import code_flow

    return code_flow, print_summary


def run_pipeline(config: RunConfig, quiet: bool = False) -> Summary:
    """Run the config's domain flow to the end and print a summary."""
    from assay.flows.sources import TaskFileError, load_tasks

    tasks = load_tasks(config)  # a bad task file fails here, before Prefect, Ray or any commit
    if config.domain == "verilog":
        from assay.flows.verilog_stages import VerilogTaskError, check_tasks

        try:
            check_tasks(tasks)
        except VerilogTaskError as exc:
            raise TaskFileError(str(exc)) from None
    if config.domain == "proofs":
        from assay.flows.proof_stages import ProofTaskError
        from assay.flows.proof_stages import check_tasks as check_statements

        try:
            check_statements(tasks, config.proofs.backend)
        except ProofTaskError as exc:
            raise TaskFileError(str(exc)) from None
    if config.domain == "translation":
        from assay.flows.translation_stages import TranslationTaskError
        from assay.flows.translation_stages import check_tasks as check_sources

        try:
            check_sources(tasks)
        except TranslationTaskError as exc:
            raise TaskFileError(str(exc)) from None
    prefect_defaults()
    run_flow, show = flow_for(config)
    started = time.monotonic()
    counts = run_flow(config, quiet=quiet)
    summary = Summary(counts["state"], counts, time.monotonic() - started)
    if not quiet:
        show(summary)
    return summary
