"""A small real dataset for release tests: the code flow on the replay backend (six seed tasks,
right and wrong solutions, a repair round), finished and curated as a run ends."""

from __future__ import annotations

from pathlib import Path

from assay.flows.config import RunConfig, load_config
from assay.flows.curate import curate_dataset
from assay.flows.domains import get
from assay.flows.engine.compute import Compute
from assay.flows.engine.rounds import run_programs
from assay.flows.progress import Progress
from assay.flows.sources import load_tasks
from assay.workers.replay import ReplayGenerator


def config(dataset: Path, *more: str) -> RunConfig:
    overrides = [f"dataset={dataset}", "tasks=[{seed: code, limit: 6}]", "solver.n=3",
                 "tester.n=1", "repair={rounds: 1, n: 1}", "name=release-test", *more]  # fmt: skip
    return load_config(None, overrides)


def _answers(cfg: RunConfig) -> dict[str, list[str]]:
    """Per task: a third of the tasks fail every first try and are repaired, the rest pass one
    solution in three; every task gets a tester suite from its trusted tests."""
    out: dict[str, list[str]] = {}
    for i, t in enumerate(load_tasks(cfg)):
        ref = f"```python\n{t.reference}\n```"
        wrong = [
            f"```python\ndef {t.entry_point}(*a, **k):\n    return {k}\n```" for k in (0, 1, 2)
        ]
        out[f"{t.id}:solver"] = wrong if i % 3 == 0 else [ref, *wrong[:2]]
        out[f"{t.id}:tester"] = ["```python\n" + "\n".join(t.tests[:3]) + "\n```"]
        out[f"{t.id}:repair1"] = [ref]
    return out


def build(dataset: Path, *more: str, curate: bool = True) -> RunConfig:
    """Run, finish and (unless told not to) curate a small code dataset at `dataset`."""
    cfg = config(dataset, *more)
    parts = get("code").flow()
    state = parts.open_state(cfg)
    with Compute.local(ReplayGenerator(_answers(cfg)), "python", state.limits, jobs=2) as compute:
        state.start()
        run_programs(state, parts, compute, Progress(quiet=True))
    state.finish()
    if curate:
        curate_dataset(cfg.dataset, cfg.curate, state.run_id)
    return cfg
