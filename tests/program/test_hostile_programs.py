"""Hostile programs get the Python checks' threat model: no writes outside scratch, no network
(loopback included), no process outlives its check (daemons, node children, JVM-started
processes), and a fork bomb is contained."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator

import pytest
from programs import HOSTILE, needs

from assay.schemas.records import Status
from assay.verifiers.program.judge import judge, run_limits
from assay.verifiers.python.stdio import IOTest

PLANTED = "/var/tmp/assay-program-planted"


@pytest.fixture()
def listener() -> Iterator[int]:
    """A host port on 127.0.0.1 that accepts: a check that reaches it would say so."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(4)
        yield server.getsockname()[1]


def _alive(marker: str) -> list[str]:
    """Host processes whose command line carries `marker`."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                if marker.encode() in handle.read():
                    found.append(pid)
        except OSError:
            continue
    return found


@pytest.mark.parametrize("lang", sorted(HOSTILE))
def test_a_program_cannot_write_outside_scratch_reach_loopback_or_leave_a_process(
    box, cache, listener, lang
) -> None:
    needs(lang)
    marker = str(4300 + sorted(HOSTILE).index(lang))
    code = HOSTILE[lang]
    for key, value in {"{planted}": PLANTED, "{port}": str(listener), "{marker}": marker}.items():
        code = code.replace(key, value)
    code = code.replace("{{}}", "{}")
    verdict = judge(
        "h", lang, code, [IOTest("", "blocked blocked")], box, run_limits(3.0, 256), cache
    )
    assert verdict.status is Status.PASS, verdict
    assert not os.path.exists(PLANTED)
    assert _alive(f"sleep\x00{marker}") == []


def test_a_fork_bomb_is_contained_and_leaves_nothing(box, cache) -> None:
    needs("c")
    bomb = "#include <unistd.h>\nint main(void){ for(;;) fork(); }\n"
    verdict = judge("b", "c", bomb, [IOTest("", "")], box, run_limits(1.0, 256), cache)
    assert verdict.status is Status.TIMEOUT, verdict.outcomes
    after = judge(
        "a", "c", "int main(void){return 0;}\n", [IOTest("", "")], box, run_limits(1.0, 64), cache
    )
    assert after.status is Status.PASS  # the sandbox is still fine
