"""Where the real REPL transcripts live, how tests start the stand-in REPL (replay_repl.py), and
the rules under which it accepts one proof."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
STANDIN = HERE / "replay_repl.py"
BENCH = Path(__file__).resolve().parents[2].parent / "shared" / "benchmarks"
TRANSCRIPTS = BENCH / "lean-repl-transcripts" / "test"
MINIF2F = BENCH / "minif2f-lean4"

# The stand-in proves `good` by `by simp_arith` on propext alone (`#print axioms` says so).
STATEMENT = "theorem good (x : Nat) : x + 0 = x := by sorry"
AXIOMS = "'good' depends on axioms: [propext]"
INFO = {"severity": "info", "pos": {"line": 1, "column": 0}, "endPos": {"line": 1, "column": 6}}
GOOD_RULES = [
    {"match": "#print axioms good", "response": {"env": 0, "messages": [{**INFO, "data": AXIOMS}]}},
    {"match": "import", "response": {"env": 0}},
    {"match": "by simp_arith", "response": {"env": 0}},
]


def transcripts() -> Path:
    if not TRANSCRIPTS.is_dir():
        pytest.skip(f"the Lean REPL transcripts are absent: {TRANSCRIPTS}")
    return TRANSCRIPTS


def standin_argv(rules: list[dict[str, Any]] = (), log: Path | None = None) -> tuple[str, ...]:  # type: ignore[assignment]
    argv = [sys.executable, str(STANDIN), "--transcripts", str(transcripts())]
    argv += ["--script", json.dumps(list(rules))]
    if log is not None:
        argv += ["--log", str(log)]
    return tuple(argv)


def writable_log(folder: Path) -> Path:
    """A log file every REPL process may append to: each runs with a uid of its own, and sees
    only this folder writable besides its scratch (`ReplSandbox(writable=...)`)."""
    folder.mkdir(exist_ok=True)
    folder.chmod(0o777)
    log = folder / "log"
    log.touch()
    log.chmod(0o666)
    return log


def logged(log: Path) -> list[tuple[str, dict[str, Any]]]:
    """(process name, request) per request the stand-in got, in order."""
    rows = []
    for line in log.read_text().splitlines():
        process, request = line.split("\t", 1)
        rows.append((process, json.loads(request)))
    return rows
