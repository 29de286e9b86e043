"""One real sandbox per test module; coqc must be installed (CI installs the `coq` package)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from assay.verifiers.sandbox import ZygoteSandbox, open_sandbox


@pytest.fixture(scope="module")
def sandbox() -> Iterator[ZygoteSandbox]:
    if shutil.which("coqc") is None:
        pytest.fail("coqc is not installed: apt-get install -y coq (Coq 8.16; CI installs it)")
    with open_sandbox() as box:
        yield box
