"""`bench/sandbox.py` keeps working: a tiny run ends with its summary line. Its numbers are not
judged here (speed is measured by the bench, never asserted by a test)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "sandbox.py"


def test_the_sandbox_bench_runs_every_runner_and_prints_its_ratios() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--checks", "16", "--rounds", "2"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert "caller imports: assay.workers.actors" in lines[0]
    for runner in ("baseline", "sandbox", "fork"):
        assert any(re.match(rf"{runner} +[\d.]+ checks/s .* CPU ms/check", ln) for ln in lines)
    assert re.fullmatch(r"speedup_vs_baseline=[\d.]+ fraction_of_fork_floor=[\d.]+", lines[-1])
