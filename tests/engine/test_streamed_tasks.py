"""Tasks streamed from their source a window at a time: a run over a million tasks never holds
their list, and a bad line late in a big task file fails the run before anything is committed,
naming the file, the line and the field."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from assay.flows.config import load_config
from assay.flows.sources import TaskFileError, stream_tasks
from assay.flows.tasks import Tasks
from assay.schemas.records import Task

HERE = Path(__file__).resolve().parent
MILLION = 10**6
CAP_MB = 400  # the peak RSS above the start; the list-based engine before it took 885 MB


@pytest.mark.slow  # slow tier: a million tasks through the loop (~30 s)
def test_a_million_streamed_tasks_pass_the_engine_in_bounded_memory(tmp_path: Path) -> None:
    """A generator-backed source of 10**6 one-line tasks through the pending scan and the
    loop's admission (a trivial program each, answered by a fake compute), in a process of its
    own: every program runs, and the peak stays far below the list's size."""
    out = subprocess.run(
        [sys.executable, str(HERE / "million.py"), str(tmp_path / "ds"), str(MILLION)],
        capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["pending"] == got["ran"] == MILLION
    assert got["peak_above_mb"] < CAP_MB, got


def _lines(path: Path, n: int, bad_at: int | None = None) -> Path:
    with path.open("w") as fh:
        for k in range(1, n + 1):
            line: dict[str, Any] = {"name": f"t{k}", "prompt": f"def f{k}(x):", "entry_point": "f"}
            if k == bad_at:
                line["prompt"] = ""
            fh.write(json.dumps(line) + "\n")
    return path


def _config(tmp_path: Path, source: Path, *more: str) -> Any:
    return load_config(None, [f"dataset={tmp_path / 'ds'}", f"tasks=[{{file: {source}}}]",
                              "store.compact=false", *more])  # fmt: skip


def test_a_bad_line_late_in_a_big_file_fails_before_any_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import assay.flows.ops.ephemeral as ephemeral
    import assay.flows.runner as runner
    from assay.flows.engine.run import run_flow

    n = 30_000  # three times what a run holds in memory: it streams
    source = _lines(tmp_path / "big.jsonl", n, bad_at=n - 1)
    config = _config(tmp_path, source)
    monkeypatch.setattr(ephemeral, "temporary_api", lambda: pytest.fail("the run started"))
    for run in (lambda: runner.run_pipeline(config, quiet=True),  # `assay run`
                lambda: run_flow.fn(config, quiet=True)):  # a deployment's flow  # fmt: skip
        with pytest.raises(TaskFileError, match=rf"big\.jsonl:{n - 1}: field prompt"):
            run()
        assert not (tmp_path / "ds").exists() or not any((tmp_path / "ds").rglob("*.parquet"))


def test_a_stream_keeps_order_limits_and_drops_repeats_across_sources(tmp_path: Path) -> None:
    """Each pass reads the sources again, in config order, each cut to its limit, a task
    repeated in a later source dropped; the list is held only where it is small."""
    a = _lines(tmp_path / "a.jsonl", 5)
    b = _lines(tmp_path / "b.jsonl", 3)
    (tmp_path / "c").mkdir()
    _lines(tmp_path / "c" / "a.jsonl", 4)  # the same name: the same tasks as a.jsonl's first 4
    sources = f"[{{file: {a}, limit: 4}}, {{file: {b}}}, {{file: {tmp_path / 'c'}}}]"
    config = load_config(None, [f"dataset={tmp_path / 'ds'}", f"tasks={sources}",
                                "engine.tasks_in_memory=0"])  # fmt: skip
    tasks = stream_tasks(config)
    names = [(t.source, t.name) for t in tasks]
    assert names == [("a.jsonl", f"t{k}") for k in range(1, 5)] + [
        ("b.jsonl", f"t{k}") for k in range(1, 4)
    ]
    assert tasks.count == 7 and not tasks.held
    assert [(t.source, t.name) for t in tasks] == names  # a second pass: read again, alike
    held = stream_tasks(load_config(None, [f"dataset={tmp_path / 'ds'}", f"tasks={sources}"]))
    assert [(t.source, t.name) for t in held] == names and held.held


def test_a_held_list_replays_and_grows_in_place() -> None:
    one = Task("code", "s", "a", "p")
    tasks = Tasks.of([one])
    tasks.extend([Task("code", "s", "b", "p")])
    assert [t.name for t in tasks] == ["a", "b"] and tasks.count == 2
    with pytest.raises(TypeError):
        Tasks(lambda: [one]).extend([one])
