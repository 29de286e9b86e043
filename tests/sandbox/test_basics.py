"""The sandbox's ordinary work: python entries, commands, files in and out, limits, levels."""

from __future__ import annotations

import shutil
import sys

import pytest
from hostkit import QUICK, Host

from assay.verifiers.sandbox import Execution, Limits, ZygoteSandbox


def test_python_entry_reports_on_its_channel(box: ZygoteSandbox, host: Host) -> None:
    ex = box.run_python("sandbox_entries:echo", b"payload-bytes", QUICK)
    assert isinstance(ex, Execution)
    assert (ex.exit_code, ex.signal, ex.timed_out) == (0, None, False)
    assert ex.channel == b"payload-bytes"
    assert ex.isolation == box.isolation
    host.assert_unharmed()


def test_full_isolation_on_this_machine(box: ZygoteSandbox) -> None:
    """Here (root, namespaces allowed) every layer must be on; a weaker level is a regression."""
    for layer in ("net", "mount", "pid", "uid", "rlimits"):
        assert layer in box.isolation


def test_check_runs_in_scratch_with_a_clean_environment(box: ZygoteSandbox, host: Host) -> None:
    code = (
        "import os, sys; print(os.getcwd() == os.environ['HOME'], sorted(os.environ), os.getpid())"
    )
    ex = box.run_python("sandbox_entries:run_code", code.encode(), QUICK)
    same, names, pid = (
        ex.stdout.decode().rsplit(" ", 1)[0],
        ex.stdout.decode(),
        ex.stdout.split()[-1],
    )
    assert same.startswith("True")
    assert "ASSAY_PLANTED_SECRET" not in names
    assert int(pid) > 1  # the zygote is PID 1 of the namespace; the check is a child of it
    host.assert_unharmed()


def test_python_checks_and_commands_get_the_same_scrubbed_environment(
    box: ZygoteSandbox, host: Host
) -> None:
    """The zygote sets the environment before each spare's fork; every check sees its own."""
    names = ["HOME", "LANG", "PATH", "PYTHONDONTWRITEBYTECODE", "PYTHONHASHSEED", "TMPDIR"]
    code = "import os; print(sorted(os.environ), os.environ['HOME'], os.environ['TMPDIR'])"
    homes = []
    for _ in range(2):
        ex = box.run_python("sandbox_entries:run_code", code.encode(), QUICK)
        listed, home, tmpdir = ex.stdout.decode().rsplit(" ", 2)
        assert listed == str(names) and home == tmpdir.strip()
        homes.append(home)
    assert homes[0] != homes[1]  # a scratch dir of its own per check
    ex = box.run_command(["env"], {}, QUICK)  # what execve passed, as it was passed
    env = dict(line.split("=", 1) for line in ex.stdout.decode().splitlines())
    assert sorted(env) == names and env["HOME"] == env["TMPDIR"] not in homes
    host.assert_unharmed()


def test_the_zygote_holds_nothing_that_slows_every_fork(box: ZygoteSandbox) -> None:
    """These register fork hooks or bring pages each check's fork copies (measured: a fork and
    exit from 1.1 to 3.1 ms here): the zygote must not import them; a check may."""
    slow = ["logging", "random", "subprocess", "tempfile", "threading"]
    code = f"import sys; print([m for m in {slow!r} if m in sys.modules])"
    ex = box.run_python("sandbox_entries:run_code", code.encode(), QUICK)
    assert ex.stdout.decode().strip() == "[]"


def test_entry_exception_is_exit_status_one(box: ZygoteSandbox, host: Host) -> None:
    ex = box.run_python("sandbox_entries:run_code", b"raise ValueError('boom')", QUICK)
    assert ex.exit_code == 1
    assert b"ValueError: boom" in ex.stderr
    assert ex.channel == b""


def test_command_gets_files_stdin_and_returns_collected(box: ZygoteSandbox, host: Host) -> None:
    files = {"in/data.txt": b"hello\n", "run.sh": b"#!/bin/sh\ncat in/data.txt - > out.txt\n"}
    ex = box.run_command(["./run.sh"], files, QUICK, stdin=b"world\n", collect=("out.txt", "nope"))
    assert ex.exit_code == 0, ex.stderr
    assert ex.files == {"out.txt": b"hello\nworld\n"}
    assert ex.channel == b""


def test_collect_never_follows_links_out_of_scratch(box: ZygoteSandbox, host: Host) -> None:
    ex = box.run_command(["ln", "-s", "/etc/passwd", "leak"], {}, QUICK, collect=("leak",))
    assert ex.exit_code == 0
    assert ex.files == {}


def test_unknown_command_is_127(box: ZygoteSandbox, host: Host) -> None:
    ex = box.run_command(["no-such-program-here"], {}, QUICK)
    assert ex.exit_code == 127
    assert b"command not found" in ex.stderr


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc (apt-get install gcc)")
def test_compile_once_then_run_the_binary_per_test(box: ZygoteSandbox, host: Host) -> None:
    source = (
        b'#include <stdio.h>\nint main(void){int a,b;scanf("%d %d",&a,&b);printf("%d\\n",a+b);}\n'
    )
    built = box.run_command(
        ["gcc", "-O1", "-o", "prog", "prog.c"],
        {"prog.c": source},
        Limits(wall_s=30, cpu_s=20, memory_mb=1024),
        collect=("prog",),
    )
    assert built.exit_code == 0, built.stderr
    binary = built.files["prog"]
    for a, b in [(1, 2), (40, 2), (-5, 5)]:
        ex = box.run_command(["./prog"], {"prog": binary}, QUICK, stdin=f"{a} {b}\n".encode())
        assert (ex.exit_code, ex.stdout) == (0, f"{a + b}\n".encode())


def test_file_names_may_not_leave_scratch(box: ZygoteSandbox) -> None:
    with pytest.raises(ValueError, match="inside the scratch dir"):
        box.run_command(["true"], {"../escape": b"x"}, QUICK)


def test_limits_are_validated() -> None:
    with pytest.raises(ValueError, match="wall_s"):
        Limits(wall_s=0)


def test_python_is_this_interpreter(box: ZygoteSandbox, host: Host) -> None:
    ex = box.run_command(
        [sys.executable, "-c", "import sys; print(sys.version_info[:2])"], {}, QUICK
    )
    assert ex.stdout.strip() == str(tuple(sys.version_info[:2])).encode()


def test_the_package_stays_visible_when_its_checkout_is_under_a_hidden_folder() -> None:
    """A checkout under /tmp or /root must be bound back into the zygote, or nothing imports."""
    import os

    import assay.verifiers
    from assay.verifiers.sandbox.namespaces import PRIVATE, _needed_paths

    root = os.path.realpath(os.path.dirname(os.path.dirname(assay.verifiers.__file__)))
    kept = _needed_paths()
    assert any(root == k or root.startswith(k + "/") for k in kept)
    assert not set(kept) & set(PRIVATE)
