"""`assay verify python` on hundreds of good and hostile candidates: stable, leaves nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

GOOD = "def f(x):\n    return x * 2\n"
TESTS = ["assert f(2) == 4", "assert f(-3) == -6", "assert f(0) == 0"]
HOSTILE = {
    "wrong": "def f(x):\n    return x + 2\n",
    "exit0": "import sys\nsys.exit(0)\n",
    "os_exit": "import os\ndef f(x):\n    os._exit(0)\n",
    "system_exit": "def f(x):\n    raise SystemExit(0)\n",
    "eq": "class A:\n    def __eq__(self, o):\n        return True\ndef f(x):\n    return A()\n",
    "builtins": "import builtins\nbuiltins.abs = lambda v: 0\ndef f(x):\n    return 0\n",
    "prints": "print('3 passed')\ndef f(x):\n    return None\n",
    "thread": (
        "import threading, time\ndef f(x):\n    threading.Thread(target=time.sleep, "
        "args=(30,)).start()\n    return x * 2\n"
    ),
    "daemon": (
        "import os, time\ndef f(x):\n    if os.fork() == 0:\n        time.sleep(30)\n"
        "    return x * 2\n"
    ),
    "forkbomb": "import os\ndef f(x):\n    while True:\n        os.fork()\n",
    "membomb": "def f(x):\n    return len(bytearray(1 << 34))\n",
    "syntax": "def f(x) return x\n",
}
LOOP = "def f(x):\n    while True:\n        pass\n"


def _lines() -> list[dict]:
    lines = []
    for i in range(200):
        if i % 10 == 9:
            name = sorted(HOSTILE)[(i // 10) % len(HOSTILE)]
            lines.append({"id": f"{name}-{i}", "code": HOSTILE[name], "tests": TESTS})
        else:
            lines.append({"id": f"good-{i}", "code": GOOD, "tests": TESTS})
    lines += [{"id": f"loop-{i}", "code": LOOP, "tests": TESTS} for i in range(3)]
    return lines


def _status(pid: str) -> tuple[int, str]:
    """A process's uid and parent pid."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(status.split("Uid:")[1].split()[0]), status.split("PPid:")[1].split()[0]


def _ours(pid: str, cmd: str) -> bool:
    """Whether a sandbox process belongs to this checkout: a zygote started by its Python, or a
    process below one (another checkout's runs on the machine are not this test's leftovers)."""
    for _ in range(64):
        if "sandbox.zygote" in cmd:
            return cmd.startswith(sys.prefix)
        pid = _status(pid)[1]
        if pid in ("0", "1"):
            return True  # orphaned: its zygote is gone, so it is left behind by someone
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    return True


def _sandbox_processes() -> list[str]:
    out = []
    for pid in os.listdir("/proc"):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            uid = _status(pid)[0]
            if ("sandbox.zygote" in cmd or uid >= 200_000) and _ours(pid, cmd):
                out.append(f"{pid} {uid} {cmd[:80]}")
        except (OSError, IndexError, ValueError):
            continue
    return out


def test_mixed_file_gives_the_same_verdicts_three_times_and_leaves_nothing(tmp_path: Path) -> None:
    src = tmp_path / "mixed.jsonl"
    src.write_text("".join(json.dumps(line) + "\n" for line in _lines()))
    tmp_before = set(os.listdir("/tmp"))
    # Sandboxed processes alive before these runs (e.g. a warm Lean REPL pool of an earlier
    # test, which also runs under a uid of its own) are not these runs' leftovers.
    running_before = set(_sandbox_processes())
    results = []
    for run in range(3):
        out = tmp_path / f"out{run}.jsonl"
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "assay.flows",
                "verify",
                "python",
                "--input",
                str(src),
                "--output",
                str(out),
                "--jobs",
                "2",
                "--timeout",
                "2",
                "--memory-mb",
                "256",
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        rows = [json.loads(line) for line in out.read_text().splitlines()]
        results.append({r["id"]: (r["status"], r["tests_passed"]) for r in rows})
    assert results[0] == results[1] == results[2]
    verdicts = results[0]
    assert all(v == ("pass", 3) for k, v in verdicts.items() if k.startswith("good-"))
    assert not [k for k, v in verdicts.items() if not k.startswith("good-") and v[0] == "pass"]
    assert all(v[0] == "timeout" for k, v in verdicts.items() if k.startswith("loop-"))
    assert sorted(set(_sandbox_processes()) - running_before) == []
    leftovers = set(os.listdir("/tmp")) - tmp_before
    assert not [name for name in leftovers if not name.startswith(("pytest-", "ray"))]
