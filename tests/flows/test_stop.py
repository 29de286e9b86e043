"""SIGTERM stops a command like Ctrl-C, and for sure: exit 143, with the processes it started."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

from assay.flows.stop import alive

PROLOGUE = """
import subprocess, sys, time
from assay.flows.stop import EXIT_CODE, Stopper
Stopper(grace_s=1.0).install()
child = subprocess.Popen(["sleep", "600"], stdout=subprocess.DEVNULL)
"""


SWALLOWS = """
print(child.pid, flush=True)
while True:
    try:
        time.sleep(600)
    except KeyboardInterrupt:  # as an interrupt lost inside a compiled call is
        print("swallowed", flush=True)
"""


def _start(body: str) -> tuple[subprocess.Popen, int]:
    """The program's first line is its child's pid; the signal then finds it in `sleep` (a
    signal during `print` could land outside the `try`)."""
    code = PROLOGUE + textwrap.dedent(body)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    child = int(proc.stdout.readline())
    time.sleep(0.3)
    return proc, child


def _ended_with_its_child(proc: subprocess.Popen, child: int) -> float:
    """Seconds until `proc` exited 143; by then the child it started is gone too."""
    started = time.monotonic()
    assert proc.wait(timeout=30) == 143
    took = time.monotonic() - started
    time.sleep(0.2)
    assert not alive(child)
    return took


def test_sigterm_raises_in_the_main_thread_so_cleanup_runs() -> None:
    proc, child = _start("""
        try:
            print(child.pid, flush=True)
            time.sleep(600)
        except KeyboardInterrupt:
            child.terminate()
            print("cleaned", flush=True)
            sys.exit(EXIT_CODE)
        """)
    proc.send_signal(signal.SIGTERM)
    _ended_with_its_child(proc, child)
    assert proc.stdout is not None and proc.stdout.read().strip() == "cleaned"


def test_a_swallowed_sigterm_still_ends_the_process_and_its_children() -> None:
    """Like an interrupt lost inside a compiled call: the watchdog stops it after the grace."""
    proc, child = _start(SWALLOWS)
    proc.send_signal(signal.SIGTERM)
    assert 0.9 <= _ended_with_its_child(proc, child) < 20


def test_a_second_sigterm_stops_at_once() -> None:
    proc, child = _start(SWALLOWS)
    assert proc.stdout is not None
    proc.send_signal(signal.SIGTERM)
    assert proc.stdout.readline().strip() == "swallowed"
    proc.send_signal(signal.SIGTERM)
    assert _ended_with_its_child(proc, child) < 0.9  # before the 1 s grace would end it


def test_sigterm_is_seen_while_another_handler_is_installed() -> None:
    """Prefect swaps in its own SIGTERM handler during a flow run; the stop still happens."""
    proc, child = _start("""
        import signal
        signal.signal(signal.SIGTERM, lambda *_: None)
        print(child.pid, flush=True)
        time.sleep(600)
        """)
    proc.send_signal(signal.SIGTERM)
    _ended_with_its_child(proc, child)
