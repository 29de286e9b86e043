"""Fixtures every test folder may use: one real sandbox per test module (a folder names the
programs its checks need by overriding `sandbox_tools`), the shared benchmark data beside the
checkout (a test that needs a missing folder skips, naming it), `assay verify`'s JSONL path, and
a local Ray that a module's runs join by address."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

import assay.flows  # noqa: F401  (first: Ray's uv hook off before any test imports Ray)

if TYPE_CHECKING:
    from assay.flows.verify import Summary
    from assay.verifiers.sandbox import Limits, ZygoteSandbox

BENCHMARKS = Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks"


@pytest.fixture(scope="module")
def ray_address() -> Iterator[str]:
    """A local Ray for one test module whose runs join it by address (`RAY_ADDRESS`)."""
    import ray

    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield ray.get_runtime_context().gcs_address
    finally:
        ray.shutdown()


@pytest.fixture(scope="module")
def sandbox_tools() -> dict[str, str]:
    """The programs the sandbox's checks run, each with how to install it; a folder whose
    checks need some overrides this, so a machine without them fails rather than skips."""
    return {}


@pytest.fixture(scope="module")
def sandbox(sandbox_tools: dict[str, str]) -> Iterator[ZygoteSandbox]:
    for tool, install in sandbox_tools.items():
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is not installed: {install}")
    from assay.verifiers.sandbox import open_sandbox

    with open_sandbox() as box:
        yield box


@pytest.fixture(scope="session")
def benchmark() -> Callable[..., Path]:
    """`benchmark("verilog-eval", "dataset_spec-to-rtl")`: that shared benchmark folder, or the
    test skips where it is absent."""

    def folder(*parts: str) -> Path:
        path = BENCHMARKS.joinpath(*parts)
        if not path.is_dir():
            pytest.skip(f"benchmark data not found at {path}")
        return path

    return folder


@pytest.fixture
def verify_lines(tmp_path: Path) -> Callable[..., tuple[list[dict[str, Any]], Summary]]:
    """`verify_lines("coq", rows, limits)`: `rows` written as a JSONL file and verified as
    `assay verify` does; the verdict lines read back, and the summary."""
    from assay.flows.verify import verify_file

    def run(
        verifier: str, rows: list[dict[str, Any]], limits: Limits, jobs: int = 1
    ) -> tuple[list[dict[str, Any]], Summary]:
        source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
        source.write_text("".join(json.dumps(row) + "\n" for row in rows))
        summary = verify_file(verifier, source, out, limits, jobs)
        return [json.loads(line) for line in out.read_text().splitlines()], summary

    return run
