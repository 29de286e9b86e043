"""Where the real REPL transcripts live, and how tests start the stand-in REPL (replay_repl.py)."""

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


def logged(log: Path) -> list[tuple[int, dict[str, Any]]]:
    rows = []
    for line in log.read_text().splitlines():
        pid, request = line.split("\t", 1)
        rows.append((int(pid), json.loads(request)))
    return rows
