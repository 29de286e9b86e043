"""One real sandbox and one build cache shared by the program tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assay.verifiers.program.build import BuildCache
from assay.verifiers.sandbox import ZygoteSandbox, open_sandbox


@pytest.fixture(scope="session")
def box() -> Iterator[ZygoteSandbox]:
    with open_sandbox() as sandbox:
        yield sandbox


@pytest.fixture(scope="session")
def cache() -> BuildCache:
    return BuildCache()
