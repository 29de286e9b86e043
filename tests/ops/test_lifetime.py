"""The two backstops that hold when a run is killed with SIGKILL: a parent-death signal on what
assay starts itself (`lifetime`), and the run's sweeper for what libraries start beneath it
(`sweeper`). Each test SIGKILLs a small parent and looks for what it started."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

from assay.flows.ops.lifetime import OWNER
from assay.flows.ops.sweeper import MARK, marked
from assay.flows.stop import alive


def _parent(body: str) -> tuple[subprocess.Popen[str], list[int]]:
    """A Python parent running `body`, which prints the pids it started on its first line."""
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(body)], stdout=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    assert proc.stdout is not None
    return proc, [int(p) for p in proc.stdout.readline().split()]


def _gone_within(pids: list[int], seconds: float = 10) -> list[int]:
    deadline = time.monotonic() + seconds
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return [p for p in pids if alive(p)]


def _kill(pids: list[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            continue


def test_a_bound_child_dies_with_its_parent_and_an_unbound_one_does_not() -> None:
    proc, (bound, unbound) = _parent("""
        import subprocess, time
        from assay.flows.ops.lifetime import bound_child
        a = subprocess.Popen(["sleep", "600"], preexec_fn=bound_child(), start_new_session=True)
        b = subprocess.Popen(["sleep", "600"], start_new_session=True)
        print(a.pid, b.pid, flush=True)
        time.sleep(600)
        """)
    try:
        proc.kill()
        proc.wait()
        assert _gone_within([bound]) == []
        assert alive(unbound)  # what the kernel does without the signal: it lives on under init
    finally:
        _kill([bound, unbound])


def test_a_scheduled_run_dies_with_the_serve_that_spawned_it() -> None:
    proc, (child,) = _parent("""
        import subprocess, sys, time
        from assay.flows.ops.lifetime import mark_owner
        mark_owner()
        code = "from assay.flows.ops.lifetime import follow_owner; follow_owner(); input()"
        child = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE)
        print(child.pid, flush=True)
        time.sleep(600)
        """)
    try:
        time.sleep(1)  # the child arms its signal as it starts
        assert alive(child)
        proc.kill()
        proc.wait()
        assert _gone_within([child]) == []
    finally:
        _kill([child])


def test_a_run_spawned_for_an_owner_already_gone_ends_at_once() -> None:
    gone = subprocess.Popen(["true"])
    gone.wait()
    code = "from assay.flows.ops.lifetime import follow_owner as f; f(); print('ran on')"
    env = {**os.environ, OWNER: str(gone.pid)}
    ended = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, timeout=60)
    assert ended.returncode == -signal.SIGKILL and b"ran on" not in ended.stdout


def test_the_sweeper_stops_what_the_run_left_and_nothing_else() -> None:
    """A grandchild with no death signal of its own, in a session of its own (as Ray's agents
    are below the raylet), is stopped once the run's process is killed; a process the run did
    not start (this test's own) is left alone."""
    bystander = subprocess.Popen(["sleep", "600"])
    proc, (middle, grandchild) = _parent("""
        import subprocess, sys, time
        from assay.flows.ops.sweeper import start_sweeper
        start_sweeper()
        code = (
            "import subprocess; p = subprocess.Popen(['sleep', '600'], start_new_session=True);"
            "print(p.pid, flush=True); p.wait()"
        )
        middle = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        print(middle.pid, middle.stdout.readline().strip(), flush=True)
        time.sleep(600)
        """)
    try:
        time.sleep(3)  # the sweeper reads the run's tree every second
        proc.kill()
        proc.wait()
        assert _gone_within([middle, grandchild]) == []
        assert bystander.poll() is None
    finally:
        _kill([middle, grandchild])
        bystander.kill()
        bystander.wait()


def test_what_a_run_starts_carries_its_mark_and_a_nested_runs_too() -> None:
    """Found by mark: what was born since the sweeper last read the tree (a scheduled run's
    processes carry both `assay serve`'s mark and their own run's)."""
    env = {**os.environ, MARK: "serve1,run1"}
    child = subprocess.Popen(["sleep", "600"], env=env)
    other = subprocess.Popen(["sleep", "600"], env={**os.environ, MARK: "run2"})
    try:
        found = {pid for pid, _ in marked("serve1")}
        assert child.pid in found and {pid for pid, _ in marked("run1")} >= {child.pid}
        assert other.pid not in found
    finally:
        for p in (child, other):
            p.kill()
            p.wait()
