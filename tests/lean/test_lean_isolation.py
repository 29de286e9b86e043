"""The REPL's isolation, tested with a hostile stand-in REPL (hostile_repl.py): it may write only
its scratch folder, cannot reach a port the test listens on, runs with a uid of its own as PID 1
of its own PID namespace, and everything it starts dies with it. A machine that refuses a layer
(drilled with `SandboxOptions.refuse`) is refused under `require` and recorded under `warn`."""

from __future__ import annotations

import json
import logging
import os
import shlex
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lean_standin import GOOD_RULES, HERE, STATEMENT, standin_argv

from assay.schemas.records import Status
from assay.verifiers.lean import LeanConfig, LeanItem, LeanVerifier
from assay.verifiers.lean.pool import PoolLimits, ReplPool, process_spawner
from assay.verifiers.lean.process import ReplProcess, ReplTimeout
from assay.verifiers.lean.protocol import Command, CommandResponse
from assay.verifiers.lean.repl_sandbox import ReplSandbox
from assay.verifiers.lean.toolchain import Toolchain, resolve
from assay.verifiers.sandbox import IsolationRefused, Limits, SandboxOptions, open_sandbox, policy

HOSTILE = Path(__file__).resolve().parent / "hostile_repl.py"


def open_folder(path: Path) -> Path:
    """A folder anyone may write: only the sandbox's mounts can stop the REPL writing there."""
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o777)
    return path


@pytest.fixture()
def listener() -> Iterator[socket.socket]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.setblocking(False)
    yield server
    server.close()


@pytest.fixture()
def place(tmp_path: Path) -> dict[str, Path]:
    tmp_path.chmod(0o755)
    return {
        "project": open_folder(tmp_path / "project"),
        "home": open_folder(tmp_path / "home"),
        "host_tmp": open_folder(tmp_path / "elsewhere"),
    }


def hostile(
    place: dict[str, Path], port: int, marker: str = "0", into_tmp: bool = True, **more: Any
) -> tuple[str, ...]:
    """The hostile REPL's argv: it tries to write into each of `place` (and /tmp itself)."""
    write = [*(str(p) for p in place.values()), *(["/tmp"] if into_tmp else [])]
    targets = {"write": write, "port": port, "marker": marker, **more}
    return (sys.executable, str(HOSTILE), "--targets", json.dumps(targets))


def start(argv: tuple[str, ...], place: dict[str, Path], box: ReplSandbox) -> ReplProcess:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(place["home"])}
    return ReplProcess(argv, place["project"], env, sandbox=box)


def report(proc: ReplProcess, cmd: str, timeout_s: float = 10.0) -> dict[str, Any]:
    answer = proc.request(Command(cmd).to_json(), timeout_s)
    assert isinstance(answer, CommandResponse), answer
    return json.loads(answer.messages[0].data)  # type: ignore[no-any-return]


def marked(marker: str) -> list[int]:
    """Host pids of processes whose command line carries `marker`."""
    found = []
    for entry in os.listdir("/proc"):
        try:
            argv = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if entry.isdigit() and marker.encode() in argv:
            found.append(int(entry))
    return found


def settles(count: int, marker: str, within_s: float = 5.0) -> bool:
    """Whether the host soon sees `count` processes carrying `marker` (a process that is being
    exec'd or reaped shows no command line for a moment)."""
    deadline = time.monotonic() + within_s
    while len(marked(marker)) != count:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_hostile_repl_writes_only_scratch_and_reaches_no_network(
    place: dict[str, Path], listener: socket.socket
) -> None:
    box = ReplSandbox(readable=(str(place["home"]),))  # like a HOME holding the toolchain
    proc = start(hostile(place, listener.getsockname()[1]), place, box)
    try:
        seen = report(proc, "probe")
    finally:
        proc.kill()
    assert seen["write"] == {
        str(place["project"]): "OSError: Read-only file system",
        str(place["home"]): "OSError: Read-only file system",
        str(place["host_tmp"]): "FileNotFoundError: No such file or directory",  # hidden /tmp
        "/tmp": "OSError: Read-only file system",  # its own /tmp, sealed but for the scratch
    }
    assert not any((p / "hostile-probe").exists() for p in place.values())
    assert seen["scratch"] == "ok" and seen["scratch_read"] == "escaped"
    assert seen["connect"].startswith("OSError"), seen["connect"]
    with pytest.raises(BlockingIOError):
        listener.accept()  # nothing ever connected
    assert (seen["pid"], seen["processes"]) == (1, 1)  # PID 1 of a namespace of its own
    assert seen["uid"] not in (0, os.getuid())
    for layer in ("net", "mount", "pid", "uid", "rlimits"):
        assert layer in proc.isolation
    assert not os.path.exists(proc.scratch)  # the scratch folder lived in its own /tmp


def test_killing_the_pool_kills_everything_the_repl_started(
    place: dict[str, Path], tmp_path: Path
) -> None:
    marker = str(3_000_000 + int.from_bytes(os.urandom(3), "little"))
    spawn = process_spawner(hostile(place, 9, marker), place["project"], {}, None, 64)
    pool = ReplPool(spawn, PoolLimits(max_processes=1))
    ask = lambda cmd: lambda proc, env: report(proc, cmd)  # noqa: E731
    try:
        started, _ = pool.run("", "", ask("spawn"))
        assert settles(2, marker)  # a child in its group and a `setsid` daemon
    finally:
        pool.close()
    assert settles(0, marker), "a process the REPL started outlived the pool"
    assert started["daemon"] != started["child"]


def test_a_timeout_kills_everything_the_repl_started(place: dict[str, Path]) -> None:
    marker = str(3_000_000 + int.from_bytes(os.urandom(3), "little"))
    proc = start(hostile(place, 9, marker), place, ReplSandbox())
    try:
        report(proc, "spawn")
        assert settles(2, marker)
        with pytest.raises(ReplTimeout):
            proc.request(Command("hang").to_json(), 0.5)
        assert not proc.alive()
    finally:
        proc.kill()
    assert settles(0, marker), "a process the REPL started outlived its timeout"


def test_require_refuses_a_machine_without_namespaces(place: dict[str, Path]) -> None:
    started = open_folder(place["host_tmp"]) / "started"
    argv = hostile(place, 9, started=str(started))
    for refused in ("namespaces", "pid"):
        box = ReplSandbox(options=SandboxOptions("require", frozenset({refused})))
        with pytest.raises(IsolationRefused, match=f"does not allow {refused}.*Lean REPL"):
            start(argv, place, box)
        assert not started.exists(), "the REPL ran although isolation was required"


def test_warn_runs_degraded_and_records_the_level(
    place: dict[str, Path],
    listener: socket.socket,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(policy, "_warned", set())  # said once per process: say it here
    box = ReplSandbox(options=SandboxOptions("warn", frozenset({"namespaces"})))
    argv = hostile(place, listener.getsockname()[1], into_tmp=False)  # it would: the host's /tmp
    with caplog.at_level(logging.WARNING, "assay.sandbox"):
        proc = start(argv, place, box)
    try:
        seen = report(proc, "probe")
    finally:
        proc.kill()
    assert proc.isolation == "rlimits" and "namespaces" in proc.missing[0]
    assert "SANDBOX DEGRADED" in caplog.text and "Lean REPL" in caplog.text
    assert seen["connect"] == "ok"  # what the recorded level warns of: no isolation
    assert not os.path.exists(proc.scratch)  # a scratch folder on the host is removed at kill
    for folder in place.values():
        (folder / "hostile-probe").unlink(missing_ok=True)


def test_the_verifier_takes_require_from_its_config_or_its_sandbox() -> None:
    assert LeanVerifier(LeanConfig(isolation="require")).policy(object()) == "require"  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="isolation"):
        LeanConfig(isolation="sometimes")
    with open_sandbox(options=SandboxOptions("require")) as box:  # full isolation here
        assert LeanVerifier().policy(box) == "require"
    with open_sandbox() as box:
        assert LeanVerifier().policy(box) == "warn"


def test_a_toolchain_under_a_hidden_folder_is_bound_back(tmp_path: Path) -> None:
    """A toolchain in a temp or home folder (elan installs into ~/.elan) is hidden by the
    private tmpfs unless bound back: `resolve` finds its install folder, the launcher binds it."""
    tmp_path.chmod(0o755)
    install = tmp_path / "elan"
    (install / "bin").mkdir(parents=True)
    lake = install / "bin" / "lake"
    lake.write_text(f"#!/bin/sh\nexec {shlex.join(standin_argv(GOOD_RULES))}\n")
    lake.chmod(0o755)
    extra = tmp_path / "dependency"
    extra.mkdir()
    config = LeanConfig(
        project=HERE,
        command=("lake",),
        search_path=str(install / "bin"),
        env=(("ELAN_HOME", str(install)),),
        read_paths=(str(extra),),
    )
    tool = resolve(config)
    assert isinstance(tool, Toolchain) and set(tool.readable) == {str(install), str(extra)}
    verifier = LeanVerifier(config)
    try:
        item = LeanItem(id="t", statement=STATEMENT, proof="by simp_arith", header="import Mathlib")
        with open_sandbox() as box:
            verdict = verifier.check(item, box, Limits(wall_s=5.0))
    finally:
        verifier.close()
    assert verdict.status is Status.PASS, verdict.evidence
    assert verdict.isolation == "repl-pool(ns(net,ipc,uts,mount,pid)+uid+rlimits)"
