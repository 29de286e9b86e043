"""The code domain on the engine, in this process: a killed run resumes to the rows of an
uninterrupted one, and a candidate that breaks the sandbox twice gets an `error` verdict while
the run completes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from assay.flows.config import RunConfig, load_config
from assay.flows.domains import get
from assay.flows.engine.compute import Compute
from assay.flows.engine.rounds import pending, run_programs
from assay.flows.progress import Progress
from assay.flows.sources import load_tasks
from assay.schemas.query import query
from assay.schemas.records import Status
from assay.verifiers.python.check import PythonVerifier
from assay.verifiers.registry import register
from assay.verifiers.sandbox import SandboxError
from assay.workers.replay import ReplayGenerator

BREAKS = "breaks the sandbox"
TABLES = ("tasks", "candidates", "verdicts", "samples")


@register("python-breaks-on-marker")
class BreakingVerifier(PythonVerifier):
    """The python verifier, except that a candidate carrying BREAKS breaks every sandbox."""

    name = "python-breaks-on-marker"

    def check(self, item: Any, sandbox: Any, limits: Any) -> Any:
        if BREAKS in item.code:
            raise SandboxError("planted: the zygote died under this candidate")
        return super().check(item, sandbox, limits)


def _config(dataset: Path, *more: str) -> RunConfig:
    overrides = [f"dataset={dataset}", "tasks=[{seed: code, limit: 6}]", "solver.n=2",
                 "tester.n=1", "repair={rounds: 1, n: 1}", *more]  # fmt: skip
    return load_config(None, overrides)


def _answers(config: RunConfig) -> dict[str, list[str]]:
    """Per task: a right and a wrong solution, a tester suite; repairs give the reference."""
    out: dict[str, list[str]] = {}
    for i, t in enumerate(load_tasks(config)):
        marker = f"    _ = {BREAKS!r}\n" if i == 2 else ""
        wrong = f"def {t.entry_point}(*args, **kwargs):\n{marker}    return None\n"
        ref = f"```python\n{t.reference}\n```"
        out[f"{t.id}:solver"] = [f"```python\n{wrong}```", ref] if i % 2 else [ref, wrong]
        out[f"{t.id}:tester"] = ["```python\n" + "\n".join(t.tests[:3]) + "\n```"]
        out[f"{t.id}:repair1"] = [ref]
    return out


class Interrupted(Exception):
    pass


class StopsAfter(ReplayGenerator):
    """Replays, then raises (as a kill would end the run) on call `calls_before_stop + 1`."""

    def __init__(self, answers: dict[str, list[str]], calls_before_stop: int) -> None:
        super().__init__(answers)
        self.limit = calls_before_stop

    def generate(self, requests: list) -> list:
        if self.calls >= self.limit:
            raise Interrupted
        return super().generate(requests)


def _run(config: RunConfig, generator: ReplayGenerator, verifier: str = "python") -> None:
    parts = get("code").flow()
    state = parts.open_state(config)
    with Compute.local(generator, verifier, state.limits, jobs=2, batch=3) as compute:
        run_programs(state, parts, compute, Progress(quiet=True))


def _tables(dataset: Path) -> dict[str, list[tuple]]:
    """Every row of every table, less when it was committed and how long a check took."""
    out = {}
    for table in TABLES:
        skip = "committed_at, duration_s" if table == "verdicts" else "committed_at"
        rows = query(dataset, f"SELECT * EXCLUDE ({skip}) FROM {table} ORDER BY id")
        out[table] = [tuple(str(v) for v in row.values()) for row in rows.to_pylist()]
    return out


@pytest.mark.parametrize("stop_after", [1, 2, 3])
def test_a_killed_run_resumes_to_the_rows_of_an_uninterrupted_one(
    tmp_path: Path, stop_after: int
) -> None:
    whole, broken = _config(tmp_path / "whole"), _config(tmp_path / "broken")
    _run(whole, ReplayGenerator(_answers(whole)))
    with pytest.raises(Interrupted):
        _run(broken, StopsAfter(_answers(broken), stop_after))
    parts = get("code").flow()
    assert pending(parts.open_state(broken), parts)  # the kill left work to do
    _run(broken, ReplayGenerator(_answers(broken)))
    assert not pending(parts.open_state(broken), parts)
    assert _tables(tmp_path / "broken") == _tables(tmp_path / "whole")


def test_a_candidate_that_breaks_the_sandbox_twice_gets_an_error_and_the_run_completes(
    tmp_path: Path,
) -> None:
    config = _config(tmp_path)
    _run(config, ReplayGenerator(_answers(config)), verifier="python-breaks-on-marker")
    parts = get("code").flow()
    assert not pending(parts.open_state(config), parts)
    rows = query(
        tmp_path,
        "SELECT v.status, v.evidence, c.text FROM verdicts v JOIN candidates c "
        "ON c.id = v.candidate_id",
    ).to_pylist()
    broken = [r for r in rows if BREAKS in r["text"]]
    assert broken and all(r["status"] == Status.ERROR.value for r in broken)
    assert all("broke twice" in r["evidence"] for r in broken)
    assert any(r["status"] == "pass" for r in rows)
    solved = query(tmp_path, "SELECT count(DISTINCT task_id) AS n FROM samples").to_pylist()
    assert solved[0]["n"] == 6


def _summary(config: RunConfig) -> dict:
    counts = get("code").flow().open_state(config).finish()
    return {k: v for k, v in counts.items() if k not in ("dataset", "config_yaml", "state")}


def test_a_run_holds_only_the_rows_of_tasks_still_open(tmp_path: Path) -> None:
    # Two tasks open at a time, so some finish while others have not started.
    whole, broken = _config(tmp_path / "whole"), _config(tmp_path / "broken", "engine.window=2")
    parts = get("code").flow()
    state = parts.open_state(whole)
    with Compute.local(ReplayGenerator(_answers(whole)), "python", state.limits, jobs=2) as compute:
        run_programs(state, parts, compute, Progress(quiet=True))
    assert state._candidates == state._verdicts == state._samples == {}  # every family released
    counts = state.finish()
    assert counts["samples"] == 6 and counts["verdicts"] > 0

    with pytest.raises(Interrupted):
        _run(broken, StopsAfter(_answers(broken), 3))
    reopened = parts.open_state(broken)
    open_ids = {t.id for _, t in pending(reopened, parts)}
    held = {*reopened._candidates, *reopened._verdicts, *reopened._samples}
    assert 0 < len(open_ids) < reopened.count  # the kill landed mid-run
    assert held <= open_ids  # finished tasks were tallied and dropped on reading
    reopened.finish()
    _run(broken, ReplayGenerator(_answers(broken)))
    assert _summary(broken) == _summary(whole)  # the summary of a resumed run counts it all
