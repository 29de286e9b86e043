"""A local Ray for the engine tests that run on it: one per test module, shut down after it, so
each module starts from a clean cluster (its killed actors and replicas do not outlive it)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="module")
def ray_up() -> Iterator[None]:
    import ray

    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield
    finally:
        ray.shutdown()
