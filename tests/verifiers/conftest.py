"""One real sandbox shared by the verifier tests, and where the shared benchmarks live."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assay.verifiers.sandbox import ZygoteSandbox, open_sandbox


@pytest.fixture(scope="module")
def sandbox() -> Iterator[ZygoteSandbox]:
    with open_sandbox() as box:
        yield box
