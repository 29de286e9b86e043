"""Per-request sampling from a role's config section, shared by every domain's requests."""

from __future__ import annotations

from assay.flows.config import RoleSampling
from assay.workers.api import Sampling


def sampling_for(section: RoleSampling, seed_offset: int) -> Sampling:
    """Per-request sampling; the seed depends on the task and round so reruns reproduce."""
    return Sampling(
        n=section.n,
        temperature=section.temperature,
        top_p=section.top_p,
        max_tokens=section.max_tokens,
        seed=section.seed + seed_offset,
    )
