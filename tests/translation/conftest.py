"""The translation checks need g++ in the sandbox; where the shared ParEval problems live."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from assay.verifiers.sandbox import Limits


@pytest.fixture(scope="module")
def sandbox_tools() -> dict[str, str]:
    return {"g++": "apt-get install -y g++ (CI installs it)"}


@pytest.fixture(scope="session")
def limits() -> Limits:
    return Limits(wall_s=5, cpu_s=10, memory_mb=1024)


@pytest.fixture(scope="session")
def pareval_root(benchmark: Callable[..., Path]) -> Path:
    """The ParEval folder, where its C++ drivers are (the test skips otherwise)."""
    return benchmark("pareval", "drivers", "cpp", "benchmarks").parents[2]
