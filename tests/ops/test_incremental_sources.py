"""A task source that grows keeps its run id, and the next run works only on the new tasks."""

from __future__ import annotations

import json
from pathlib import Path

from assay.flows.config import RunConfig, load_config
from assay.flows.domains import get
from assay.flows.engine.compute import Compute
from assay.flows.engine.rounds import pending, run_programs
from assay.flows.progress import Progress
from assay.flows.seeds import load_seed_tasks
from assay.flows.sources import load_tasks
from assay.schemas.query import query
from assay.workers.replay import ReplayGenerator

SEEDS = load_seed_tasks("code")


def _lines(start: int, stop: int) -> str:
    keys = ("name", "prompt", "entry_point", "reference", "tests")
    return "".join(
        json.dumps({k: getattr(t, k) if k != "tests" else list(t.tests) for k in keys}) + "\n"
        for t in SEEDS[start:stop]
    )


def _config(tmp: Path, source: Path) -> RunConfig:
    path = tmp / "run.yaml"
    path.write_text(
        f"dataset: {tmp / 'ds'}\ntasks: [{{file: {source}}}]\n"
        "solver: {n: 1}\ntester: {n: 0}\nrepair: {rounds: 0}\nstore: {compact: false}\n"
    )
    return load_config(path)


def _run(config: RunConfig) -> list[str]:
    """One run with replayed answers; returns the names of the tasks it worked on."""
    answers = {f"{t.id}:solver": [f"```python\n{t.reference}\n```"] for t in load_tasks(config)}
    parts = get("code").flow()
    state = parts.open_state(config)
    todo = [t.name for _, t in pending(state, parts)]
    with Compute.local(ReplayGenerator(answers), "python", state.limits, jobs=2) as compute:
        run_programs(state, parts, compute, Progress(quiet=True))
    state.finish()
    return todo


def _counts(config: RunConfig) -> tuple[int, int, int]:
    row = query(
        config.dataset,
        "SELECT (SELECT count(*) FROM raw_candidates) AS raw, (SELECT count(*) FROM candidates)"
        " AS cands, (SELECT count(*) FROM samples) AS samples",
    ).to_pylist()[0]
    return row["raw"], row["cands"], row["samples"]


def test_a_task_file_that_gains_lines_gives_only_its_new_tasks(tmp_path: Path) -> None:
    source = tmp_path / "tasks.jsonl"
    source.write_text(_lines(0, 2))
    first = _config(tmp_path, source)
    assert _run(first) == [t.name for t in SEEDS[:2]]
    assert _counts(first) == (2, 2, 2)

    source.write_text(_lines(0, 4))  # the nightly export appended two tasks
    second = _config(tmp_path, source)
    assert second.id == first.id
    assert _run(second) == [t.name for t in SEEDS[2:4]]
    assert _counts(second) == (4, 4, 4)  # nothing generated or committed twice
    assert _run(second) == []  # and a rerun with nothing new does nothing


def test_a_folder_that_gains_files_gives_only_their_tasks(tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "2025-01-01.jsonl").write_text(_lines(0, 2))
    (folder / "notes.txt").write_text("not a task file")
    first = _config(tmp_path, folder)
    assert _run(first) == [t.name for t in SEEDS[:2]]

    (folder / "2025-01-02.jsonl").write_text(_lines(2, 3))
    second = _config(tmp_path, folder)
    assert second.id == first.id
    assert _run(second) == [SEEDS[2].name]
    assert _counts(second) == (3, 3, 3)


def _humaneval_like(start: int, stop: int) -> str:
    """HumanEval-shaped task lines (a docstring prompt, an entry point, assert tests)."""
    return "".join(
        json.dumps(
            {
                "name": f"HumanEval/{i}",
                "prompt": f'def add_{i}(a: int) -> int:\n    """Add {i} to a."""\n',
                "entry_point": f"add_{i}",
                "reference": f"def add_{i}(a: int) -> int:\n    return a + {i}\n",
                "tests": [f"assert add_{i}(1) == {i + 1}"],
            }
        )
        + "\n"
        for i in range(start, stop)
    )


def _raw_tasks(config: RunConfig) -> tuple[int, int]:
    row = query(
        config.dataset, "SELECT count(*) AS raw, count(DISTINCT id) AS distinct_ FROM raw_tasks"
    ).to_pylist()[0]
    return row["raw"], row["distinct_"]


def test_a_grown_task_file_commits_only_its_new_tasks(tmp_path: Path) -> None:
    source = tmp_path / "tasks.jsonl"
    source.write_text(_humaneval_like(0, 164))
    get("code").flow().open_state(_config(tmp_path, source)).finish()
    source.write_text(_humaneval_like(0, 328))  # the file doubled overnight
    config = _config(tmp_path, source)
    get("code").flow().open_state(config).finish()
    assert _raw_tasks(config) == (328, 328)  # each task committed once, never the file again
    get("code").flow().open_state(config).finish()
    assert _raw_tasks(config) == (328, 328)


def test_tasks_committed_under_one_key_for_the_file_are_not_committed_again(
    tmp_path: Path,
) -> None:
    from assay.schemas.records import content_id
    from assay.schemas.store import Store

    source = tmp_path / "tasks.jsonl"
    source.write_text(_humaneval_like(0, 3))
    config = _config(tmp_path, source)
    old = load_tasks(config)  # as a dataset written before tasks had keys of their own holds them
    ids = content_id("task-ids", sorted(t.id for t in old))
    Store(config.dataset).commit(f"tasks/{config.id}/{ids}", {"tasks": old}, run_id=config.id)
    source.write_text(_humaneval_like(0, 5))
    get("code").flow().open_state(config).finish()
    assert _raw_tasks(config) == (5, 5)


def test_an_empty_folder_is_an_error_naming_it(tmp_path: Path) -> None:
    import pytest

    from assay.flows.sources import TaskFileError

    (tmp_path / "inbox").mkdir()
    with pytest.raises(TaskFileError, match=r"no \*\.jsonl task files"):
        load_tasks(_config(tmp_path, tmp_path / "inbox"))
