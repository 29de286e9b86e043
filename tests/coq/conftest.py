"""The Coq checks need coqc in the sandbox (CI installs the `coq` package)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def sandbox_tools() -> dict[str, str]:
    return {"coqc": "apt-get install -y coq (Coq 8.16; CI installs it)"}
