"""One real sandbox shared by the verifier tests, and where the shared benchmarks live."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assay.verifiers.sandbox import ZygoteSandbox, open_sandbox

BENCHMARKS = Path(__file__).resolve().parents[2] / ".." / "shared" / "benchmarks"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[ZygoteSandbox]:
    with open_sandbox() as box:
        yield box
