from __future__ import annotations

from pathlib import Path

import pytest
from release_dataset import build


@pytest.fixture(scope="session")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A curated small code dataset, built once; tests only read it."""
    root = tmp_path_factory.mktemp("release") / "dataset"
    build(root)
    return root
