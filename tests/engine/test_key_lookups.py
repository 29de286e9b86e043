"""A run asks the store's key index only about tasks committed before it started: a fresh run's
stages never look a key up, a rerun asks once per task, and a task with earlier commits is still
read from the store, so the rows are the same as a run that never stopped."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from assay.flows.config import RunConfig, load_config
from assay.flows.domains import get
from assay.flows.engine.compute import Compute
from assay.flows.engine.rounds import pending, run_programs
from assay.flows.progress import Progress
from assay.flows.sources import load_tasks
from assay.schemas.keyindex import KeyIndex
from assay.schemas.query import query
from assay.workers.replay import ReplayGenerator


def _config(dataset: Path) -> RunConfig:
    overrides = [f"dataset={dataset}", "tasks=[{seed: code, limit: 4}]", "solver.n=2",
                 "tester.n=1", "repair.rounds=1"]  # fmt: skip
    return load_config(None, overrides)


def _answers(config: RunConfig) -> dict[str, list[str]]:
    out = {}
    for t in load_tasks(config):
        out[f"{t.id}:solver"] = [f"```python\n{t.reference}\n```", "```python\nx = 1\n```"]
        out[f"{t.id}:tester"] = ["```python\n" + "\n".join(t.tests[:2]) + "\n```"]
    return out


def _run(config: RunConfig) -> None:
    parts = get("code").flow()
    state = parts.open_state(config)
    with Compute.local(ReplayGenerator(_answers(config)), "python", state.limits, jobs=2) as c:
        run_programs(state, parts, c, Progress(quiet=True))
    state.finish()


@pytest.fixture()
def asked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The keys looked up in any key index."""
    seen: list[str] = []
    real = KeyIndex.has

    def counted(self: KeyIndex, key: str) -> bool:
        seen.append(key)
        return real(self, key)

    monkeypatch.setattr(KeyIndex, "has", counted)
    return seen


def _rows(dataset: Path) -> dict[str, list]:
    return {
        t: query(dataset, f"SELECT id FROM {t} ORDER BY id").column("id").to_pylist()
        for t in ("candidates", "verdicts", "samples")
    }


def test_a_fresh_run_looks_up_no_stage_key(tmp_path: Path, asked: list[str]) -> None:
    config = _config(tmp_path / "ds")
    _run(config)
    run = f"/{config.id}/"
    stages = [k for k in asked if run in k and not k.startswith("tasks/")]
    assert stages == []
    assert _rows(config.dataset)["samples"]  # it did commit its stages

    asked.clear()  # a rerun asks only whether each task finished, nothing committed
    parts = get("code").flow()
    state = parts.open_state(config)
    assert not pending(state, parts)
    looked = Counter(k for k in asked if run in k and not k.startswith("tasks/"))
    assert {k.split("/")[0] for k in looked} == {"select"} and len(looked) == 4
    assert len(set(looked.values())) == 1  # each alike


def test_a_task_committed_before_is_read_from_the_store(tmp_path: Path) -> None:
    whole = _config(tmp_path / "whole")
    _run(whole)
    part = _config(tmp_path / "part")
    parts = get("code").flow()
    state = parts.open_state(part)
    one = pending(state, parts).part(0, 4)  # the first of the 4 tasks
    with Compute.local(ReplayGenerator(_answers(part)), "python", state.limits, jobs=2) as c:
        run_programs(state, parts, c, Progress(quiet=True), one)
    state.finish()  # one task done, as if the run was stopped after it

    again = parts.open_state(part)
    assert len(again._touched) == 1 and pending(again, parts).todo == 3
    _run(part)
    assert _rows(part.dataset) == _rows(whole.dataset)


def test_a_run_without_failed_prompts_reads_no_verdicts_to_say_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Which tasks had a failed prompt comes from the key index (`gen-failed/` keys); the run's
    verdicts, millions of rows, are read only when there is one to name."""
    import assay.schemas.query as queries
    from assay.flows.engine import failures

    config = _config(tmp_path / "ds")
    _run(config)
    scans: list[str] = []
    real = queries.query
    monkeypatch.setattr(queries, "query", lambda *a, **k: scans.append(a[1]) or real(*a, **k))
    state = get("code").flow().open_state(config)
    assert failures.failed_tasks(state) == {} and failures.failed_ids(state) == set()
    assert scans == []
