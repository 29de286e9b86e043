"""Hostile candidates: each case asserts what the sandbox reports AND that the host is unharmed
(the `host` fixture re-checks processes, /tmp and the next check after every case)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hostkit import HERE, QUICK, SECRET, Host

from assay.verifiers.sandbox import Limits, ZygoteSandbox

RUN = "sandbox_entries:run_code"


def run(box: ZygoteSandbox, code: str, limits: Limits = QUICK):
    return box.run_python(RUN, code.encode(), limits)


def test_fork_bomb_is_contained(box: ZygoteSandbox, host: Host) -> None:
    code = (
        "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"
    )
    ex = run(box, code, Limits(wall_s=1.5, cpu_s=1, nproc=16))
    assert ex.timed_out and ex.channel == b""
    host.assert_unharmed()


def test_memory_bomb_hits_the_limit(box: ZygoteSandbox, host: Host) -> None:
    ex = run(
        box,
        "chunks = []\nwhile True:\n    chunks.append(bytearray(1 << 24))\n",
        Limits(wall_s=5, memory_mb=256),
    )
    assert ex.memory_exceeded and ex.exit_code != 0 and ex.channel == b""
    host.assert_unharmed()


def test_python_infinite_loop_times_out(box: ZygoteSandbox, host: Host) -> None:
    ex = run(box, "while True:\n    pass\n", Limits(wall_s=3, cpu_s=1))
    assert ex.timed_out and ex.exit_code is None and ex.channel == b""
    host.assert_unharmed()


def test_sleep_with_every_signal_blocked_is_killed_at_the_wall(
    box: ZygoteSandbox, host: Host
) -> None:
    code = (
        "import signal, time\n"
        "signal.pthread_sigmask(signal.SIG_BLOCK, range(1, 65))\n"
        "time.sleep(60)\n"
    )
    start = time.monotonic()
    ex = run(box, code, Limits(wall_s=1, cpu_s=1))
    assert ex.timed_out and ex.channel == b""
    assert time.monotonic() - start < 10
    host.assert_unharmed()


def test_long_c_level_call_is_stopped(box: ZygoteSandbox, host: Host) -> None:
    ex = run(box, "sum(range(10 ** 12))\n", Limits(wall_s=5, cpu_s=1))
    assert ex.timed_out and ex.exit_code is None and ex.channel == b""
    host.assert_unharmed()


def test_output_flood_is_capped(box: ZygoteSandbox, host: Host) -> None:
    ex = run(
        box,
        "import sys\nwhile True:\n    sys.stdout.write('x' * 65536)\n",
        Limits(wall_s=1, output_bytes=1000),
    )
    assert ex.timed_out and len(ex.stdout) == 1000
    finite = run(
        box,
        "import os\nfor _ in range(200):\n    os.write(2, b'y' * 65536)\n",
        Limits(wall_s=5, output_bytes=1000),
    )
    assert finite.exit_code == 0 and len(finite.stderr) == 1000
    host.assert_unharmed()


def test_network_is_unreachable(box: ZygoteSandbox, host: Host) -> None:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    code = (
        f"import socket\ns = socket.socket()\ns.settimeout(2)\n"
        f"s.connect(('127.0.0.1', {port}))\ns.sendall(b'leak')\n"
    )
    try:
        ex = run(box, code)
        assert ex.exit_code == 1 and ex.channel == b""
        assert b"ConnectionRefused" in ex.stderr or b"unreachable" in ex.stderr
        with pytest.raises(BlockingIOError):
            listener.accept()
    finally:
        listener.close()
    host.assert_unharmed()


def test_cannot_write_outside_scratch(box: ZygoteSandbox, host: Host) -> None:
    targets = [
        str(HERE / "written-by-candidate"),
        "/tmp/written-by-candidate",
        "/etc/written-by-candidate",
        "/dev/shm/written-by-candidate",
        os.path.join(sys.prefix, "written-by-candidate"),
    ]
    code = (
        "import os\nok = []\n"
        f"for path in {targets!r}:\n"
        "    try:\n        open(path, 'w').write('x')\n        ok.append(path)\n"
        "    except OSError:\n        pass\n"
        "open('inside.txt', 'w').write('fine')\nprint(ok)\n"
    )
    ex = run(box, code)
    assert (ex.exit_code, ex.stdout.strip(), ex.channel) == (0, b"[]", b"entry-finished")
    assert not any(os.path.exists(t) for t in targets)
    host.assert_unharmed()


def test_cannot_read_host_secrets(box: ZygoteSandbox, host: Host) -> None:
    planted = HERE / f".planted-shadow-{os.getpid()}"
    planted.write_text(SECRET)
    planted.chmod(0o600)
    code = (
        "import os\nfound = []\n"
        f"for path in [{str(planted)!r}, '/etc/shadow', '/proc/1/environ', "
        f"'/proc/{os.getpid()}/environ', '/proc/self/environ']:\n"
        "    try:\n        found.append(open(path, 'rb').read()[:4096])\n"
        "    except OSError:\n        pass\n"
        "print(repr(found), repr(dict(os.environ)))\n"
    )
    try:
        ex = run(box, code)
        assert ex.exit_code == 0
        assert SECRET.encode() not in ex.stdout and b"root:" not in ex.stdout
        assert planted.read_text() == SECRET
    finally:
        planted.unlink()
    host.assert_unharmed()


def test_cannot_signal_parent_sentinel_or_host(box: ZygoteSandbox, host: Host) -> None:
    sentinel = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    targets = [os.getpid(), sentinel.pid, box._proc.pid]  # type: ignore[union-attr]
    code = (
        "import os, signal\nhit = []\n"
        f"for pid in [os.getppid(), *{targets!r}]:\n"
        "    try:\n        os.kill(pid, signal.SIGKILL)\n        hit.append(pid)\n"
        "    except OSError:\n        pass\n"
        "print(hit)\n"
    )
    try:
        ex = run(box, code)
        assert (ex.exit_code, ex.stdout.strip()) == (0, b"[]")
        assert sentinel.poll() is None, "the sentinel was killed from inside the sandbox"
    finally:
        sentinel.kill()
        sentinel.wait()
    host.assert_unharmed()


def test_thread_left_running_dies_with_the_check(box: ZygoteSandbox, host: Host) -> None:
    code = (
        "import threading, time\n"
        "def spin():\n    while True:\n        time.sleep(0.01)\n"
        "threading.Thread(target=spin).start()\n"
    )
    ex = run(box, code, Limits(wall_s=5))
    assert (ex.exit_code, ex.timed_out, ex.channel) == (0, False, b"entry-finished")
    host.assert_unharmed()


def test_daemon_child_left_running_is_killed(box: ZygoteSandbox, host: Host) -> None:
    code = (
        "import os, time\n"
        "if os.fork() == 0:\n    os.setsid()\n"
        "    if os.fork() == 0:\n        while True:\n            time.sleep(0.01)\n"
        "    os._exit(0)\n"
    )
    ex = run(box, code, Limits(wall_s=5))
    assert (ex.exit_code, ex.timed_out, ex.channel) == (0, False, b"entry-finished")
    assert ex.duration_s < 4
    host.assert_unharmed()


def test_early_exit_never_reaches_the_trusted_side(box: ZygoteSandbox, host: Host) -> None:
    for code in ("import os; os._exit(0)", "raise SystemExit(0)", "exit(0)"):
        ex = run(box, code)
        assert ex.channel == b"", code
    host.assert_unharmed()


def test_a_forged_done_message_only_ends_its_own_check(box: ZygoteSandbox, host: Host) -> None:
    """In-process candidate code can write the entry's done message itself (fd 5): the check
    then ends at once with what was written so far, its processes killed; nothing more."""
    code = (
        "import os, struct, sys, time\n"
        "print('before', flush=True)\n"
        "os.write(5, struct.pack('<Bd', 0, 0.0))\n"
        "print('after', flush=True)\n"
        "time.sleep(30)\n"
    )
    ex = run(box, code, Limits(wall_s=10))
    assert ex.channel == b"" and ex.duration_s < 5 and not ex.timed_out
    assert ex.stdout.startswith(b"before\n")
    host.assert_unharmed()


def test_the_entry_reports_its_end_and_cpu_time(box: ZygoteSandbox) -> None:
    ok = run(box, "sum(range(3_000_000))")
    assert (ok.exit_code, ok.signal, ok.channel) == (0, None, b"entry-finished")
    assert 0 < ok.cpu_s < ok.duration_s + 0.05
    crashed = run(box, "raise ValueError('planted')")
    assert crashed.exit_code == 1 and b"ValueError: planted" in crashed.stderr


def test_command_hostile_cases_are_contained(box: ZygoteSandbox, host: Host) -> None:
    # The shell spins on a builtin after lighting the bomb: it needs no fork of its own, so the
    # check ends at its wall limit whichever of its forks the process limit refused first.
    bomb = box.run_command(
        ["sh", "-c", "b() { b | b & }; b; while :; do :; done"], {}, Limits(wall_s=1.5, nproc=16)
    )
    assert bomb.timed_out
    sleeper = box.run_command(["sh", "-c", "(setsid sleep 60 &) ; echo started"], {}, QUICK)
    assert sleeper.exit_code == 0 and not sleeper.timed_out
    host.assert_unharmed()


def test_the_zygote_restarts_if_it_is_killed(box: ZygoteSandbox) -> None:
    proc = box._proc
    assert proc is not None
    os.killpg(proc.pid, 9)
    proc.wait()
    from assay.verifiers.sandbox import SandboxError

    try:
        ex = box.run_python("sandbox_entries:echo", b"again", QUICK)
    except SandboxError:
        ex = box.run_python("sandbox_entries:echo", b"again", QUICK)
    assert ex.channel == b"again"
    assert not Path(f"/proc/{proc.pid}").exists()
