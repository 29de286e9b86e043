"""The passes after a run's rounds (curation, the report, compaction) run as a Ray task of their
own while the run's Ray is up, and in the calling process when it is not: the same counts and
the same rows either way, what they say said by the driver, and an error raised as itself."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from assay.flows.config import RunConfig, load_config
from assay.flows.domains import get
from assay.flows.engine.compute import Compute
from assay.flows.engine.finish import after_rounds, finished
from assay.flows.engine.rounds import run_programs
from assay.flows.progress import Progress
from assay.flows.sources import load_tasks
from assay.schemas.query import query
from assay.workers.replay import ReplayGenerator


def _config(dataset: Path, *more: str) -> RunConfig:
    overrides = [f"dataset={dataset}", "tasks=[{seed: code, limit: 3}]", "solver.n=1",
                 "tester.n=0", "repair.rounds=0", "store.compact_min_folders=2",
                 "engine.passes_in_task=3", *more]  # fmt: skip
    return load_config(None, overrides)


def _rounds(config: RunConfig) -> str:
    """The rounds of a small run (threads, replayed answers); its id."""
    answers = {f"{t.id}:solver": [f"```python\n{t.reference}\n```"] for t in load_tasks(config)}
    parts = get("code").flow()
    state = parts.open_state(config)
    state.start()
    with Compute.local(ReplayGenerator(answers), "python", state.limits, jobs=2) as compute:
        run_programs(state, parts, compute, Progress(quiet=True))
    state.finish()
    return state.run_id


class Notes(Progress):
    def __init__(self) -> None:
        super().__init__(quiet=True)
        self.said: list[str] = []

    def note(self, text: str) -> None:
        self.said.append(text)


def _said(notes: Notes) -> list[str]:
    """The notes less paths, pass ids and times."""
    return [re.sub(r" in [\d.]+s$", "", line.split(" (")[0]) for line in notes.said
            if not line.startswith("report")]  # fmt: skip


def _decisions(dataset: Path) -> list[dict]:
    sql = "SELECT sample_id, decision, matched FROM curation ORDER BY sample_id"
    return query(dataset, sql).to_pylist()


def test_a_ray_task_and_the_driver_finish_a_run_alike(tmp_path: Path) -> None:
    import ray

    from assay.workers.session import ray_session

    config = _config(tmp_path / "ray")
    run_id = _rounds(config)
    shutil.copytree(config.dataset, tmp_path / "here")
    here = _config(tmp_path / "here")
    shutil.copytree(config.dataset, tmp_path / "small")
    small = _config(tmp_path / "small")
    broken = _config(tmp_path / "broken")
    _rounds(broken)
    shutil.rmtree(broken.dataset)
    broken.dataset.write_text("not a dataset")  # replaced by a file once the rounds ended

    said = Notes()
    with ray_session(num_cpus=2):
        done = finished(config, run_id, said, 3)
        assert done.pid != os.getpid()  # a process of its own
        assert finished(small, run_id, Notes(), 2).pid == os.getpid()  # a small run: here
        with pytest.raises(Exception) as raised:
            after_rounds(broken, run_id, Notes(), 3)
    assert any(line.startswith("curated: 3 of 3 samples kept") for line in said.said)
    assert any(line.startswith("compacted ") for line in said.said)
    assert Path(done.counts["report"]).is_file()

    assert not ray.is_initialized()  # no Ray: the same passes, here
    alike = Notes()
    again = finished(here, run_id, alike, 3)
    assert again.pid == os.getpid()
    assert again.counts["curation"]["decisions"] == done.counts["curation"]["decisions"]
    assert _decisions(here.dataset) == _decisions(config.dataset)
    assert _said(alike) == _said(said)
    with pytest.raises(Exception) as here_raised:
        after_rounds(broken, run_id, Notes(), 3)
    assert isinstance(raised.value, type(here_raised.value))  # the task's error, as itself
    assert str(broken.dataset) in str(raised.value)
