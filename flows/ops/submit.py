"""`assay submit`: a run as a Ray job on a cluster whose own Python need not have assay.

With `--env uv` (the default) the job carries assay: its working_dir is this checkout's files
(what git tracks, plus untracked files git does not ignore) and the run's config, and its
entrypoint is `uv run --frozen ...`, which builds assay's locked environment on the node from
uv.lock (from uv's cache, or the package index the node can reach). Ray's `uv run` support then
starts every worker of the job in that same environment. Every node needs `uv` on its PATH and
the Python that runs Ray. With `--env cluster` the cluster's Python must already have assay
(an image built from `infra/Dockerfile`). Either way a job that cannot start assay fails at once
with a message naming the fix.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Literal

from assay.flows.config import RunConfig, dump_config
from assay.flows.ops.cluster import AUTH_HELP, ClusterError, client
from assay.schemas.records import content_id

Env = Literal["uv", "cluster"]
TERMINAL = {"SUCCEEDED", "FAILED", "STOPPED"}
JOB_CONFIG = "assay-job.yaml"  # the run's config, at the root of the job's working_dir
SKIP = {".git", ".venv", "data", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}


def submission_id(config: RunConfig, attempt: int = 1) -> str:
    """Deterministic: the same resolved config and dataset map to the same job; a later
    submission after that job ended is its next attempt."""
    base = f"assay-{config.name}-" + content_id("submit", config.id, str(config.dataset))[:12]
    return base if attempt == 1 else f"{base}-{attempt}"


def job_config(config: RunConfig) -> RunConfig:
    """The config as the job sees it: a relative dataset becomes absolute (the job's working
    directory is a copy). On a real cluster it should name shared storage."""
    return config.model_copy(update={"dataset": config.dataset.resolve()})


def project_root() -> Path | None:
    """The checkout assay runs from (pyproject.toml and uv.lock beside its folders), if any."""
    import assay.flows

    root = Path(assay.flows.__file__).resolve().parent.parent
    return root if (root / "pyproject.toml").is_file() and (root / "uv.lock").is_file() else None


def project_files(root: Path) -> list[Path]:
    """The checkout's files, relative: git's tracked and unignored ones, else a walk that skips
    environments, caches and data."""
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "ls-files", "-co", "--exclude-standard", "-z"],
            capture_output=True, check=True,
        ).stdout  # fmt: skip
        return [Path(p) for p in out.decode().split("\0") if p and (root / p).is_file()]
    except (OSError, subprocess.CalledProcessError):
        return [
            p.relative_to(root)
            for p in root.rglob("*")
            if p.is_file() and not SKIP.intersection(p.relative_to(root).parts)
            and not any(part.endswith(".egg-info") for part in p.parts)
        ]  # fmt: skip


def uv_command(config: RunConfig) -> str:
    """How the node starts Python in assay's locked environment: without the dev tools, and
    without the CPU model backend (a llama.cpp build) unless the run uses it."""
    flags = ["--frozen", "--no-dev"]
    if config.generator.backend != "local":
        flags.append("--no-default-groups")
    return "uv run " + " ".join(flags)


UV_MISSING = (
    "assay: uv is not on this Ray node's PATH; install it on every node (pip install uv) "
    "or submit with --env cluster to an image that has assay"
)
ASSAY_MISSING = (
    "assay: the cluster's python cannot import assay; submit with --env uv (needs uv on the "
    "nodes) or run the cluster from an image with assay (infra/Dockerfile)"
)


def entrypoint(config: RunConfig, env: Env) -> str:
    """The job's shell command: check that assay can start, then run the config."""
    run = f"python -m assay.flows run {JOB_CONFIG}"
    if env == "uv":
        check, missing, run = (
            "command -v uv >/dev/null 2>&1",
            UV_MISSING,
            f"{uv_command(config)} {run}",
        )
    else:
        check, missing = 'python -c "import assay.flows" 2>/dev/null', ASSAY_MISSING
    return f"{check} || {{ echo {shlex.quote(missing)} >&2; exit 3; }}; {run}"


def runtime_env(env: Env, workdir: Path) -> dict[str, Any]:
    """The job's runtime_env. For `uv`, Ray's `uv run` hook (which assay turns off for local
    runs) is turned on, so the job's workers start with the driver's `uv run` command."""
    if env == "uv":
        return {"working_dir": str(workdir), "env_vars": {"RAY_ENABLE_UV_RUN_RUNTIME_ENV": "1"}}
    return {"working_dir": str(workdir)}


def working_dir(config: RunConfig, env: Env) -> Path:
    """A fresh folder with what the job needs: the checkout's files (for `uv`) and the config."""
    workdir = Path(tempfile.mkdtemp(prefix="assay-job-"))
    if env == "uv":
        root = project_root()
        if root is None:
            raise ClusterError(
                "--env uv carries this checkout of assay to the cluster, but assay is installed "
                "here without one (no pyproject.toml and uv.lock beside it); submit from a "
                "checkout, or use --env cluster with a cluster image that has assay"
            )
        for rel in project_files(root):
            (workdir / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / rel, workdir / rel)
    (workdir / JOB_CONFIG).write_text(dump_config(job_config(config)))
    return workdir


def submit_job(
    config: RunConfig, path: Path | None, address: str, env: Env = "uv", wait: bool = True
) -> int:
    """Submit `assay run` as a Ray job, or follow the one already running for this config."""
    from ray.exceptions import AuthenticationError

    try:
        job_client = client(address)
        jobs = {j.submission_id: str(j.status) for j in job_client.list_jobs()}
        attempt = 1
        while jobs.get(submission_id(config, attempt), "").split(".")[-1] in TERMINAL:
            attempt += 1
        sub_id = submission_id(config, attempt)
        if sub_id in jobs:
            print(f"job {sub_id} is already running this run; following it", file=sys.stderr)
        else:
            workdir = working_dir(config, env)
            try:
                job_client.submit_job(
                    entrypoint=entrypoint(config, env),
                    submission_id=sub_id,
                    runtime_env=runtime_env(env, workdir),
                    metadata={"assay_run_id": config.id, "config": str(path or "")},
                )
            finally:  # uploaded to the cluster by now
                shutil.rmtree(workdir, ignore_errors=True)
            print(f"submitted job {sub_id} to {address}", file=sys.stderr)
        if not wait:
            print(sub_id)
            return 0
        return follow(job_client, sub_id)
    except AuthenticationError:
        raise ClusterError(AUTH_HELP.format(address=address)) from None


def follow(job_client: Any, sub_id: str, poll_s: float = 2.0) -> int:
    """Wait for the job to end, print its logs, and return 0 if it succeeded."""
    status = str(job_client.get_job_status(sub_id)).split(".")[-1]
    while status not in TERMINAL:
        time.sleep(poll_s)
        status = str(job_client.get_job_status(sub_id)).split(".")[-1]
    sys.stdout.write(job_client.get_job_logs(sub_id))
    print(f"job {sub_id}: {status}", file=sys.stderr)
    return 0 if status == "SUCCEEDED" else 1
