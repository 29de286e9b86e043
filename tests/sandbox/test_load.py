"""Timeouts are not flaky under load: checks at half their limit pass while every core is busy."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from assay.verifiers.sandbox import Limits, ZygoteSandbox

SPIN_HALF_CPU = "import time\nwhile time.process_time() < 0.5:\n    pass\n"
SLEEP_HALF_WALL = "import time\ntime.sleep(1.0)\n"


@pytest.fixture()
def busy_cores() -> Iterator[None]:
    burners = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"])
        for _ in range(os.cpu_count() or 2)
    ]
    try:
        yield
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()


@pytest.mark.parametrize(
    "code, limits",
    [
        (SPIN_HALF_CPU, Limits(cpu_s=1, wall_s=4)),
        (SLEEP_HALF_WALL, Limits(cpu_s=1, wall_s=2)),
    ],
    ids=["cpu-half", "wall-half"],
)
def test_half_the_limit_passes_on_busy_cores(
    box: ZygoteSandbox, busy_cores: None, code: str, limits: Limits
) -> None:
    for _ in range(2):
        ex = box.run_python("sandbox_entries:run_code", code.encode(), limits)
        assert not ex.timed_out, ex
        assert (ex.exit_code, ex.channel) == (0, b"entry-finished")


def test_twice_the_limit_still_times_out_on_busy_cores(
    box: ZygoteSandbox, busy_cores: None
) -> None:
    ex = box.run_python(
        "sandbox_entries:run_code", b"while True:\n    pass\n", Limits(cpu_s=0.5, wall_s=2)
    )
    assert ex.timed_out and ex.exit_code is None
