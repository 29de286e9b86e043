"""The Verilog checks need iverilog and vvp in the sandbox; where the shared VerilogEval
problems live."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

IVERILOG = "apt-get install -y iverilog yosys (CI installs it)"


@pytest.fixture(scope="module")
def sandbox_tools() -> dict[str, str]:
    return {"iverilog": IVERILOG, "vvp": IVERILOG}


@pytest.fixture(scope="session")
def spec_to_rtl(benchmark: Callable[..., Path]) -> Path:
    return benchmark("verilog-eval", "dataset_spec-to-rtl")
