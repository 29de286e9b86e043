"""A shared sandbox for the sandbox tests (helpers live in hostkit.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hostkit import HERE, SECRET, Host

from assay.verifiers.sandbox import ZygoteSandbox, open_sandbox


@pytest.fixture(scope="module")
def box() -> Iterator[ZygoteSandbox]:
    os.environ["ASSAY_PLANTED_SECRET"] = SECRET
    try:
        with open_sandbox(warm=("sandbox_entries",), paths=(str(HERE),)) as sandbox:
            yield sandbox
    finally:
        del os.environ["ASSAY_PLANTED_SECRET"]


@pytest.fixture()
def host(box: ZygoteSandbox) -> Iterator[Host]:
    watcher = Host(box)
    yield watcher
    watcher.assert_unharmed()
