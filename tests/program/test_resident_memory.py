"""The sandbox's resident-memory limit: a memory cgroup (v1 or v2) where the machine allows,
RLIMIT_AS elsewhere, said on every Execution; plus a scratch file as stdin, a big stack and
whole folders collected (what contest programs need from `run_command`)."""

from __future__ import annotations

import pytest

from assay.verifiers.sandbox import Limits

LIMITS = Limits(wall_s=10, cpu_s=5, memory_mb=256)
HOG = "a = b'x' * (600 << 20)\nprint(len(a))\n"


def _cgroups(box) -> None:
    if box.memory_limit == "rlimit-as":
        pytest.skip("no writable memory cgroup here: resident limits fall back to RLIMIT_AS")


def test_the_jvm_starts_under_a_resident_limit_that_rlimit_as_would_refuse(box) -> None:
    _cgroups(box)
    java = ["java", "-Xmx256m", "-version"]
    assert box.run_command(java, {}, LIMITS).exit_code != 0  # RLIMIT_AS: no room to reserve
    ex = box.run_command(java, {}, LIMITS, resident=True)
    assert ex.exit_code == 0 and ex.memory_limit == box.memory_limit
    assert ex.memory_limit.startswith("cgroup-v") and ex.memory_peak > 0


def test_the_kernel_says_when_the_resident_limit_stopped_a_program(box) -> None:
    _cgroups(box)
    ex = box.run_command(["python3", "-c", HOG], {}, LIMITS, resident=True)
    assert ex.memory_exceeded and ex.exit_code is None and ex.signal == 9
    fits = box.run_command(["python3", "-c", HOG.replace("600", "60")], {}, LIMITS, resident=True)
    assert fits.exit_code == 0 and not fits.memory_exceeded


def test_without_resident_the_address_space_limit_applies_as_before(box) -> None:
    ex = box.run_command(["python3", "-c", HOG], {}, LIMITS)
    assert ex.memory_limit == "rlimit-as" and ex.memory_exceeded and ex.exit_code == 1


def test_stdin_from_a_scratch_file_of_any_size_a_big_stack_and_folders_collected(box) -> None:
    big = b"7\n" * 200_000  # 400 kB: past a pipe's 64 KiB
    script = "import sys, resource\nprint(len(sys.stdin.buffer.read()), resource.getrlimit(3)[0])"
    ex = box.run_command(
        ["python3", "-c", script], {"in.txt": big}, LIMITS, stdin_file="in.txt", stack_mb=200
    )
    assert ex.stdout.split() == [b"400000", str(200 << 20).encode()]
    made = box.run_command(
        [
            "sh",
            "-c",
            "mkdir -p out/deep && echo a > out/x && echo b > out/deep/y && ln -s /etc/passwd out/z",
        ],
        {},
        LIMITS,
        collect=("out/",),
    )
    assert made.files == {"out/x": b"a\n", "out/deep/y": b"b\n"}
