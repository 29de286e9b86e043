"""Running elsewhere: submit a run as a Ray job, or serve it as a scheduled Prefect deployment."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from assay.flows.config import RunConfig, dump_config
from assay.schemas.records import content_id

TERMINAL = {"SUCCEEDED", "FAILED", "STOPPED"}


def submission_id(config: RunConfig) -> str:
    """Deterministic: the same resolved config (and dataset) always maps to the same Ray job."""
    return f"assay-{config.name}-" + content_id("submit", config.id, str(config.dataset))[:12]


def job_config(config: RunConfig) -> RunConfig:
    """The config as the job will see it: a relative dataset becomes absolute (the job's working
    directory is a temporary copy). On a real cluster it should point at shared storage."""
    return config.model_copy(update={"dataset": config.dataset.resolve()})


def submit_job(
    config: RunConfig, path: Path | None, overrides: list[str], address: str, wait: bool = True
) -> int:
    """Submit `assay run` as a Ray job; resubmitting an existing id follows that job instead.

    Ray's token auth (on by default for local clusters) is read by the client from
    RAY_AUTH_TOKEN, RAY_AUTH_TOKEN_PATH or the default token file.
    """
    from ray.job_submission import JobSubmissionClient

    client = JobSubmissionClient(address)
    sub_id = submission_id(config)
    existing = {job.submission_id for job in client.list_jobs()}
    if sub_id in existing:
        print(f"job {sub_id} was already submitted; following it", file=sys.stderr)
    else:
        workdir = Path(tempfile.mkdtemp(prefix="assay-job-"))
        (workdir / "run.yaml").write_text(dump_config(job_config(config)))
        client.submit_job(
            entrypoint="python -m assay.flows run run.yaml",
            submission_id=sub_id,
            runtime_env={"working_dir": str(workdir)},
            metadata={"assay_run_id": config.id, "config": str(path or "")},
        )
        print(f"submitted job {sub_id} to {address}", file=sys.stderr)
    if not wait:
        return 0
    status = str(client.get_job_status(sub_id))
    while status.split(".")[-1] not in TERMINAL:
        time.sleep(2)
        status = str(client.get_job_status(sub_id))
    status = status.split(".")[-1]
    sys.stdout.write(client.get_job_logs(sub_id))
    print(f"job {sub_id}: {status}", file=sys.stderr)
    return 0 if status == "SUCCEEDED" else 1


def serve_schedule(config: RunConfig, cron: str, name: str) -> None:
    """Serve the domain flow as a Prefect deployment that runs on `cron` (blocks until stopped)."""
    from assay.flows.runner import prefect_defaults

    prefect_defaults()
    from assay.flows.runner import flow_for

    run_flow = flow_for(config)
    run_flow.serve(
        name=name,
        cron=cron,
        parameters={"config": config.model_dump(mode="json")},
        description=f"assay run {config.name} ({config.id})",
    )
