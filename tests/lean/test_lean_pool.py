"""The REPL pool over real pipes and processes, with the stand-in REPL replaying real answers:
routing by header, env reuse, LRU eviction, timeout kill, recycling, crash recovery."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from lean_standin import logged, standin_argv, writable_log

from assay.verifiers.lean.pool import PoolLimits, ReplPool, process_spawner
from assay.verifiers.lean.process import ReplDied, ReplProcess, ReplTimeout
from assay.verifiers.lean.protocol import Command, CommandResponse
from assay.verifiers.lean.repl_sandbox import ReplSandbox

IMPORTS = [{"match": "import", "response": {"env": 0}}]
RULES = [
    {"match": "hang!", "hang": True},
    {"match": "crash!", "crash": True},
    {"match": "grow!", "grow_mb": 64, "response": {"env": 0}},
    *IMPORTS,
    {"match": "open", "response": {"env": 0}},
]


def make(tmp_path: Path, **limits: float) -> tuple[ReplPool, Path]:
    tmp_path.chmod(0o755)  # the project: each REPL process has a uid of its own
    log = writable_log(tmp_path / "logs")
    box = ReplSandbox(writable=(str(log.parent),))
    argv = standin_argv(RULES, log)
    spawn = process_spawner(argv, tmp_path, {"PATH": "/usr/bin:/bin"}, None, 64, box)
    return ReplPool(spawn, PoolLimits(**limits)), log  # type: ignore[arg-type]


def ask(cmd: str):  # type: ignore[no-untyped-def]
    def steps(proc: ReplProcess, env: int) -> tuple[object, int, int]:
        return proc.request(Command(cmd, env).to_json(), 2.0), env, proc.pid

    return steps


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_same_header_reuses_process_and_env(tmp_path: Path) -> None:
    pool, log = make(tmp_path)
    try:
        (a, env_a, pid_a), _ = pool.run("import Mathlib", "open Real", ask("def f := 2"))
        (b, env_b, pid_b), _ = pool.run("import Mathlib", "open Real", ask("def f := 2"))
        assert pid_a == pid_b and env_a == env_b == 1
        assert isinstance(a, CommandResponse) and isinstance(b, CommandResponse)
        assert (a.env, b.env) == (2, 3)  # the real REPL's answer, renumbered per process
        sent = [r for _, r in logged(log)]
        assert sent[0] == {"cmd": "import Mathlib"} and sent[1] == {"cmd": "open Real", "env": 0}
        assert sent[2] == sent[3] == {"cmd": "def f := 2", "env": 1}
        assert pool.stats.header_reuses == 1 and pool.stats.started == 1
    finally:
        pool.close()


def test_other_header_routes_elsewhere_and_lru_evicts(tmp_path: Path) -> None:
    pool, log = make(tmp_path, max_processes=1)
    try:
        (_, _, pid_a), _ = pool.run("import Mathlib", "", ask("def f := 2"))
        (_, _, pid_b), _ = pool.run("import Lean", "", ask("def f := 2"))
        assert pid_a != pid_b and not alive(pid_a)
        assert pool.stats.evicted == 1 and pool.size() == 1
        by_process = [(who, r) for who, r in logged(log) if "env" not in r]
        assert [r for _, r in by_process] == [{"cmd": "import Mathlib"}, {"cmd": "import Lean"}]
        assert by_process[0][0] != by_process[1][0]  # each header's imports in its own process
    finally:
        pool.close()


def test_timeout_kills_and_replaces(tmp_path: Path) -> None:
    pool, _log = make(tmp_path)
    try:
        (_, _, pid), _ = pool.run("import Mathlib", "", ask("def f := 2"))
        with pytest.raises(ReplTimeout):
            pool.run("import Mathlib", "", ask("theorem x : 1 = 1 := hang!"))
        assert not alive(pid) and pool.stats.killed == 1 and pool.size() == 0
        (answer, _, new), _ = pool.run("import Mathlib", "", ask("def f := 2"))
        assert new != pid and isinstance(answer, CommandResponse)
    finally:
        pool.close()


def test_crash_recovery(tmp_path: Path) -> None:
    pool, _ = make(tmp_path)
    try:
        with pytest.raises(ReplDied) as info:
            pool.run("import Mathlib", "", ask("crash!"))
        assert "out of memory" in info.value.stderr
        (answer, _, _), _ = pool.run("import Mathlib", "", ask("def f := 2"))
        assert isinstance(answer, CommandResponse) and pool.stats.started == 2
    finally:
        pool.close()


def test_recycles_after_n_commands_and_on_memory(tmp_path: Path) -> None:
    pool, _ = make(tmp_path, max_commands=3)
    try:
        pids = [pool.run("import Mathlib", "", ask("def f := 2"))[0][2] for _ in range(3)]
        assert pids[0] == pids[1] != pids[2] and pool.stats.recycled == 1
    finally:
        pool.close()
    pool, _ = make(tmp_path, max_rss_mb=48)
    try:
        (_, _, pid), _ = pool.run("import Mathlib", "", ask("grow!"))
        assert pool.stats.recycled == 1 and not alive(pid)
    finally:
        pool.close()


def test_concurrent_checks_use_separate_processes(tmp_path: Path) -> None:
    pool, _ = make(tmp_path, max_processes=2)
    pids: list[int] = []
    barrier = threading.Barrier(2)

    def one() -> None:
        def steps(proc: ReplProcess, env: int) -> None:
            barrier.wait(timeout=10)
            pids.append(proc.pid)

        pool.run("import Mathlib", "", steps)

    threads = [threading.Thread(target=one) for _ in range(2)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=20)
        assert len(set(pids)) == 2 and pool.size() == 2
    finally:
        pool.close()
