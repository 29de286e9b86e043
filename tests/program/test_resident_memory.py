"""The sandbox's resident-memory limit: a memory cgroup (v1 or v2) where the machine allows,
RLIMIT_AS elsewhere, said on every Execution; plus a scratch file as stdin, a big stack and
whole folders collected (what contest programs need from `run_command`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from programs import HOG as HOGS
from programs import SUM, needs

from assay.schemas.records import Status
from assay.verifiers.sandbox import Limits, SandboxOptions, memcg, open_sandbox

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


def _tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def test_the_cgroup_is_found_on_v1_and_beside_this_process_on_v2(tmp_path: Path) -> None:
    v1 = tmp_path / "v1"
    _tree(v1, {"memory/job/7/memory.limit_in_bytes": "max", "proc": "4:memory:/job/7\n0::/\n"})
    found = memcg.detect("t", str(v1), str(v1 / "proc"))
    assert found is not None and (found.name, found.base) == (
        "cgroup-v1",
        f"{v1}/memory/job/7/assay-sandbox-t",
    )
    v2 = tmp_path / "v2"
    _tree(
        v2,
        {
            "cgroup.controllers": "cpu memory pids",
            "job/cgroup.subtree_control": "memory pids",
            "job/worker/cgroup.controllers": "memory pids",
            "proc": "0::/job/worker\n",
        },
    )
    found = memcg.detect("t", str(v2), str(v2 / "proc"))
    assert found is not None and found.name == "cgroup-v2"
    assert found.base == f"{v2}/job/assay-sandbox-t"  # not inside its own, which holds it
    assert (v2 / "job/assay-sandbox-t/cgroup.subtree_control").read_text() == "+memory"
    (v2 / "job/worker/cgroup.controllers").write_text("pids")  # memory not delegated
    assert memcg.detect("u", str(v2), str(v2 / "proc")) is None
    assert memcg.detect("v", str(tmp_path / "none"), str(tmp_path / "none/proc")) is None


def test_where_no_cgroup_is_writable_rlimit_as_applies_and_is_said() -> None:
    needs("cpp")
    from assay.verifiers.program.build import BuildCache
    from assay.verifiers.program.judge import judge, run_limits
    from assay.verifiers.python.stdio import IOTest

    with open_sandbox(options=SandboxOptions(refuse=frozenset({"cgroup"}))) as box:
        assert box.memory_limit == "rlimit-as"
        cache, limits = BuildCache(), run_limits(2.0, 128)
        right = judge("r", "cpp", SUM["cpp"], [IOTest("1 2", "3")], box, limits, cache)
        assert right.status is Status.PASS and right.isolation.endswith("+rlimit-as")
        hog = judge("h", "cpp", HOGS["cpp"], [IOTest("", "1")], box, limits, cache)
        assert hog.status is Status.MEMORY and hog.evidence["memory_limit"] == "rlimit-as"
