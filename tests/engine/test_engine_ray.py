"""The engine on a real local Ray: a generator replica and a verifier actor killed mid-run are
replaced, their work is resent, and the run commits the rows of an uninterrupted one."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from test_engine_code import _answers, _config, _tables

from assay.flows.config import RunConfig
from assay.flows.domains import get
from assay.flows.engine.compute import Compute
from assay.flows.engine.rounds import pending, run_programs
from assay.flows.progress import Progress


def _replay(config: RunConfig, folder: Path, delay: float) -> RunConfig:
    import json

    answers = folder / "answers.jsonl"
    with answers.open("w") as fh:
        for key, texts in _answers(config).items():
            fh.write(json.dumps({"key": key, "texts": texts}) + "\n")
    options = {"answers": str(answers), "delay_s": delay}
    generator = config.generator.model_copy(
        update={"backend": "replay", "model": "replay", "options": options, "num_cpus": 0,
                "batch_size": 2}
    )  # fmt: skip
    return config.model_copy(update={"generator": generator})


def _run(config: RunConfig, kill: bool) -> tuple[int, int]:
    """The run; with `kill`, its replica and a verifier actor are killed once each mid-run.
    Returns how often the replica and that verifier were started."""
    import ray

    parts = get("code").flow()
    state = parts.open_state(config)
    with Compute.open(config, Progress(quiet=True), "python", None, state.limits) as compute:
        replica, checker = compute.generation.workers[0], compute.checks.workers[0]

        def killer() -> None:
            while compute.generation.calls < 2:
                time.sleep(0.05)
            ray.kill(replica.handle, no_restart=True)
            while compute.checks.checks < 4:
                time.sleep(0.05)
            ray.kill(checker.handle, no_restart=True)

        thread = threading.Thread(target=killer, daemon=True)
        if kill:
            thread.start()
        run_programs(state, parts, compute, Progress(quiet=True))
        state.finish()
        return replica.starts, checker.starts


def test_killed_actors_are_replaced_and_the_rows_match_an_uninterrupted_run(
    tmp_path: Path, ray_up: None
) -> None:
    whole = _replay(_config(tmp_path / "whole"), tmp_path, 0.3)
    killed = _replay(_config(tmp_path / "killed"), tmp_path, 0.3)
    assert _run(whole, kill=False) == (1, 1)
    replica_starts, checker_starts = _run(killed, kill=True)
    assert replica_starts == 2 and checker_starts == 2
    parts = get("code").flow()
    assert not pending(parts.open_state(killed), parts)
    assert _tables(tmp_path / "killed") == _tables(tmp_path / "whole")
