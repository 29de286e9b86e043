"""The repairer roles' common shape: one request built from a failing artefact and its verdict.

Every domain's repairer takes the same arguments from the flow (`domain_flow.repairs`): the task,
the sampling, the request key, the failing artefact's text and the verdict that failed it, plus
context of its own. Only the wording differs, so a domain writes that (`Messages`) and gets its
`build` here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from assay.schemas.records import Task, Verdict
from assay.workers.api import Request, Sampling

# (task, failing text, its verdict or None, **context) -> the chat messages
Messages = Callable[..., tuple[dict[str, str], ...]]


def repairer(what: str, messages: Messages) -> Callable[..., Request]:
    """A repairer role's `build(task, sampling, key, failing=..., verdict=..., **context)`.
    `failing` reaches `messages` without its surrounding blank lines; a request without it is a
    bug in the flow (nothing to repair), so it raises naming `what` was missing."""

    def build(
        task: Task,
        sampling: Sampling,
        key: str,
        failing: str = "",
        verdict: Verdict | None = None,
        **context: Any,
    ) -> Request:
        if not failing.strip():
            raise ValueError(f"repairer: pass the failing {what} as failing=<{what}>")
        return Request(key, messages(task, failing.strip("\n"), verdict, **context), sampling)

    return build
