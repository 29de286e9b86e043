"""A command killed with SIGKILL leaves nothing running: `assay run` (Prefect's temporary server,
local Ray, verifier actors and their zygotes), `assay serve` (its server and the run it spawned)
and `assay verify` (sandbox zygotes, Lean REPLs). Each is started in a session of its own, killed
mid-work, and within 10 s no process it answered for (`proctree`) may remain."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from proctree import clean_up, kill_and_survivors, marked_env, report, start, wait_for

LEAN = Path(__file__).resolve().parents[1] / "lean"


def _killed_mid_work(
    proc: subprocess.Popen[bytes], mark: str, busy: list[str], log: Path, timeout_s: float = 240
) -> None:
    """Wait until a process matching each of `busy` runs, SIGKILL the command, and fail if
    anything it answered for is still there 10 s later."""
    try:
        wait_for(proc, mark, busy, log, timeout_s)
    except BaseException:
        clean_up(kill_and_survivors(proc, mark, within_s=0))
        raise
    left = kill_and_survivors(proc, mark)
    clean_up(left)
    assert not left, "still running 10 s after the kill:\n" + report(left)


def _slow_config(tmp: Path, delay_s: float = 60) -> Path:
    """One task whose generation takes `delay_s` (a minute: the run is mid-work for long)."""
    path = tmp / "slow.yaml"
    path.write_text(
        f"name: killed\ndataset: {tmp / 'ds'}\ntasks: [{{seed: code, limit: 1}}]\n"
        f"generator: {{backend: replay, model: replay, options: {{delay_s: {delay_s}}}}}\n"
        "solver: {n: 1}\ntester: {n: 0}\nrepair: {rounds: 0}\nverify: {pool: 1}\n"
    )
    return path


def test_a_killed_run_leaves_no_prefect_server_ray_or_sandbox(tmp_path: Path) -> None:
    env, mark = marked_env(PREFECT_HOME=str(tmp_path / "prefect"))
    log = tmp_path / "run.log"
    proc = start(["run", str(_slow_config(tmp_path))], env, log)
    _killed_mid_work(proc, mark, ["prefect.server.api.server", "raylet", "sandbox.zygote"], log)


@pytest.mark.slow
@pytest.mark.parametrize("end", ["SIGTERM", "SIGINT", "exit"])
def test_a_run_that_ends_any_other_way_leaves_nothing(tmp_path: Path, end: str) -> None:
    """The cleanup paths (and the sweeper behind them): a stop signal mid-work, or the end."""
    env, mark = marked_env(PREFECT_HOME=str(tmp_path / "prefect"))
    log = tmp_path / "run.log"
    proc = start(["run", str(_slow_config(tmp_path, 5 if end == "exit" else 60))], env, log)
    sig = {"SIGTERM": signal.SIGTERM, "SIGINT": signal.SIGINT, "exit": None}[end]
    try:
        wait_for(proc, mark, ["prefect.server.api.server", "raylet"], log)
        left = kill_and_survivors(proc, mark, sig=sig)
    except BaseException:
        clean_up(kill_and_survivors(proc, mark, within_s=0))
        raise
    clean_up(left)
    assert not left, f"still running 10 s after the run ended ({end}):\n" + report(left)
    assert proc.returncode == {"SIGTERM": 143, "SIGINT": 130, "exit": 0}[end], log.read_text()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow  # slow tier: a server, a schedule and a run (~40 s)
def test_a_killed_serve_leaves_no_server_and_no_scheduled_run(tmp_path: Path) -> None:
    env, mark = marked_env(XDG_DATA_HOME=str(tmp_path / "xdg"), PREFECT_HOME=str(tmp_path / "c"))
    log = tmp_path / "serve.log"
    args = ["serve", str(_slow_config(tmp_path)), "--interval", "1", "--name", "every-1s",
            "--port", str(_free_port())]  # fmt: skip
    proc = start(args, env, log)  # killed once its server is up and a scheduled run started Ray
    _killed_mid_work(proc, mark, ["prefect server start", "raylet"], log)


def _python_items(path: Path) -> Path:
    slow = "import time\ntime.sleep(300)\ndef f():\n    return 1\n"
    items = [{"id": i, "code": slow, "tests": ["assert f() == 1"]} for i in range(2)]
    path.write_text("".join(json.dumps(item) + "\n" for item in items))
    return path


def _lean_items(path: Path) -> Path:
    statement = "theorem t{i} (x : Nat) : x + 0 = x := by sorry"
    items = [{"id": i, "statement": statement.format(i=i), "proof": "by simp",
              "header": "import Mathlib"} for i in range(2)]  # fmt: skip
    path.write_text("".join(json.dumps(item) + "\n" for item in items))
    return path


def _lean_args(tmp: Path) -> list[str]:
    """The stand-in REPL, hanging on the header's import: busy, it never reads its stdin."""
    hang = json.dumps([{"match": "import", "hang": True}], separators=(",", ":"))
    command = f"{sys.executable} {LEAN / 'replay_repl.py'} --script {hang}"
    return ["lean", "--input", str(_lean_items(tmp / "in.jsonl")), "--project", str(LEAN),
            "--command", command]  # fmt: skip


@pytest.mark.parametrize("verifier", ["python", "lean"])
def test_a_killed_verify_leaves_no_zygote_or_repl(tmp_path: Path, verifier: str) -> None:
    env, mark = marked_env()
    log = tmp_path / "verify.log"
    if verifier == "python":
        args, busy = ["python", "--input", str(_python_items(tmp_path / "in.jsonl"))], "zygote"
    else:
        args, busy = _lean_args(tmp_path), "replay_repl.py"
    proc = start(["verify", *args, "--jobs", "2", "--timeout", "300"], env, log)
    _killed_mid_work(proc, mark, [busy], log, timeout_s=60)
