"""One real sandbox per test module; where the shared ParEval problems live."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from assay.verifiers.sandbox import Limits, ZygoteSandbox, open_sandbox

PAREVAL = Path(__file__).resolve().parents[2].parent / "shared" / "benchmarks" / "pareval"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[ZygoteSandbox]:
    if shutil.which("g++") is None:
        pytest.fail("g++ is not installed: apt-get install -y g++ (CI installs it)")
    with open_sandbox() as box:
        yield box


@pytest.fixture(scope="session")
def limits() -> Limits:
    return Limits(wall_s=5, cpu_s=10, memory_mb=1024)


@pytest.fixture(scope="session")
def pareval_root() -> Path:
    if not (PAREVAL / "drivers" / "cpp" / "benchmarks").is_dir():
        pytest.skip(f"ParEval problems not found at {PAREVAL}")
    return PAREVAL
