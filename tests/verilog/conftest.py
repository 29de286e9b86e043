"""One real sandbox per test module; where the shared VerilogEval problems live."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from assay.verifiers.sandbox import ZygoteSandbox, open_sandbox

SPEC_TO_RTL = (
    Path(__file__).resolve().parents[2].parent
    / "shared"
    / "benchmarks"
    / "verilog-eval"
    / "dataset_spec-to-rtl"
)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[ZygoteSandbox]:
    if shutil.which("iverilog") is None or shutil.which("vvp") is None:
        pytest.fail("iverilog is not installed: apt-get install -y iverilog yosys (CI installs it)")
    with open_sandbox() as box:
        yield box


@pytest.fixture(scope="session")
def spec_to_rtl() -> Path:
    if not SPEC_TO_RTL.is_dir():
        pytest.skip(f"VerilogEval spec-to-rtl problems not found at {SPEC_TO_RTL}")
    return SPEC_TO_RTL
