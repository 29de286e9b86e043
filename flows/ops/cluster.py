"""Talking to a Ray cluster's job API: authentication, the version check, assay's jobs.

A head started with `ray start --head` asks for a token (Ray turns token auth on when one exists
on the head), but a client sends it only when `RAY_AUTH_MODE=token`. Like `ray start`, assay
turns token mode on for itself when a token is at hand (`RAY_AUTH_TOKEN`, `RAY_AUTH_TOKEN_PATH`
or `~/.ray/auth_token`), and an authentication failure says where the token comes from.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

AUTH_HELP = (
    "the cluster at {address} wants Ray's auth token: set RAY_AUTH_MODE=token and give this "
    "machine the head's token, in RAY_AUTH_TOKEN, in a file named by RAY_AUTH_TOKEN_PATH, or in "
    "~/.ray/auth_token (on the head, `ray get-auth-token` prints it; without a token file there, "
    "the head runs with auth off)"
)


class ClusterError(RuntimeError):
    """The cluster cannot take assay's job as things are; the message names the fix."""


def token_mode() -> bool:
    """Send Ray's auth token with requests when one is at hand and RAY_AUTH_MODE is unset."""
    mode = os.environ.get("RAY_AUTH_MODE")
    if mode is not None:
        return mode.lower() == "token"
    from ray._raylet import AuthenticationTokenLoader, Config  # type: ignore[attr-defined]

    if not AuthenticationTokenLoader.instance().has_token(ignore_auth_mode=True):
        return False
    os.environ["RAY_AUTH_MODE"] = "token"
    Config.initialize("")  # Ray reads the mode once; make it see the change
    return True


def client(address: str) -> Any:
    """A job client for the cluster at `address` whose Ray version is this one's."""
    import ray
    from ray.exceptions import AuthenticationError
    from ray.job_submission import JobSubmissionClient

    token_mode()
    try:
        job_client = JobSubmissionClient(address)
    except AuthenticationError:
        raise ClusterError(AUTH_HELP.format(address=address)) from None
    except ConnectionError as exc:
        raise ClusterError(
            f"no Ray dashboard answers at {address} ({exc}); give --address the head's "
            "dashboard URL, e.g. http://HEAD:8265"
        ) from None
    theirs = getattr(job_client, "_server_ray_version", None)
    if theirs and theirs != ray.__version__:
        raise ClusterError(
            f"the cluster at {address} runs Ray {theirs} but assay is locked to Ray "
            f"{ray.__version__}; start the cluster with Ray {ray.__version__}"
        )
    return job_client


@dataclass(frozen=True)
class Job:
    submission_id: str
    status: str
    run: str
    config: str
    entrypoint: str


def assay_jobs(job_client: Any) -> list[Job]:
    """The cluster's jobs that assay submitted (they carry `assay_run_id` metadata), oldest
    first."""
    jobs = sorted(job_client.list_jobs(), key=lambda j: j.start_time or 0)
    return [
        Job(
            j.submission_id or "",
            str(getattr(j.status, "value", j.status)),
            j.metadata["assay_run_id"],
            j.metadata.get("config", ""),
            j.entrypoint,
        )
        for j in jobs
        if (j.metadata or {}).get("assay_run_id")
    ]
