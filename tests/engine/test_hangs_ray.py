"""A run on a real local Ray that neither hangs nor dies of one bad input: a prompt that kills
its replica is isolated and its task records the failure while every other task commits; a
resume does not send it again (unless it retries); a stopped generator replica and a stopped
verifier actor are replaced after their deadlines and the run ends with the rows of an
uninterrupted one; workers that cannot start fail `ready` with a message naming them."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest
from test_engine_code import _answers, _config, _tables

from assay.flows.config import RunConfig, load_config
from assay.flows.domains import get
from assay.flows.engine.compute import Compute
from assay.flows.engine.rounds import pending, run_programs
from assay.flows.engine.startup import WorkersNotReady, wait_ready
from assay.flows.progress import Progress
from assay.flows.sources import load_tasks
from assay.schemas.query import query
from assay.verifiers.sandbox import Limits
from assay.workers.pools import RayReplica
from assay.workers.replay import ReplayGenerator
from assay.workers.spec import GeneratorSpec

QUIET = Progress(quiet=True)


def _tasks(folder: Path, n: int) -> Path:
    """`n` small function tasks with references and tests."""
    path = folder / "tasks.jsonl"
    with path.open("w") as fh:
        for i in range(n):
            sig = f'def add_{i}(x: int) -> int:\n    """Return x plus {i}."""\n'
            fh.write(json.dumps({
                "name": f"add_{i}", "prompt": sig, "entry_point": f"add_{i}",
                "reference": f"{sig}    return x + {i}\n",
                "tests": [f"assert add_{i}(1) == {1 + i}", f"assert add_{i}(-{i}) == 0"],
            }) + "\n")  # fmt: skip
    return path


def _poison_config(folder: Path, poison: str, *more: str) -> RunConfig:
    config = load_config(None, [
        f"dataset={folder / 'data'}", f"tasks=[{{file: {_tasks(folder, 64)}}}]", "solver.n=1",
        "tester.n=0", "repair={rounds: 0}", "generator.batch_size=64", "generator.retries=2",
        "generator.num_cpus=0", *more,
    ])  # fmt: skip
    answers = {f"{t.id}:solver": [f"```python\n{t.reference}\n```"] for t in load_tasks(config)}
    options = {"answers": answers, "die_on": poison}
    return config.model_copy(update={
        "generator": config.generator.model_copy(update={
            "backend": "replay-faulty", "model": "replay", "options": options}),
    })  # fmt: skip


def test_a_poisoned_prompt_fails_its_task_alone_and_a_resume_does_not_send_it(
    tmp_path: Path, ray_up: None
) -> None:
    probe = _poison_config(tmp_path, "")
    poisoned = load_tasks(probe)[17]
    config = _poison_config(tmp_path, poisoned.id)
    parts = get("code").flow()
    state = parts.open_state(config)
    with Compute.open(config, QUIET, "python", None, state.limits) as compute:
        compute.ready()
        stats = run_programs(state, parts, compute, QUIET)
    assert state.finish()["state"] == "completed"
    assert stats["failed_prompts"] == 1 and stats["replica_restarts"] == 6 + 2
    data = tmp_path / "data"
    solved = query(data, "SELECT DISTINCT task_id FROM samples").column("task_id").to_pylist()
    assert len(solved) == 63 and poisoned.id not in solved
    rows = query(data, "SELECT * FROM verdicts WHERE verifier = 'generator'").to_pylist()
    assert [(r["task_id"], r["status"], r["against"]) for r in rows] == [
        (poisoned.id, "error", "generation")
    ]
    assert json.loads(rows[0]["evidence"])["key"] == f"{poisoned.id}:solver"
    assert "lost 8 times" in rows[0]["stderr_tail"] and "2 of them alone" in rows[0]["stderr_tail"]

    # A resume sends nothing: the poisoned task is not pending, so its prompt is not resent.
    assert not pending(parts.open_state(config), parts)
    sent: list[str] = []

    class Recording(ReplayGenerator):
        def generate(self, requests: list) -> list:
            sent.extend(r.key for r in requests)
            return super().generate(requests)

    answers = config.generator.options["answers"]
    state = parts.open_state(config)
    with Compute.local(Recording(answers), "python", state.limits) as compute:
        run_programs(state, parts, compute, QUIET)
    assert sent == []

    # Asked to retry (and the prompt no longer kills a replica), the task runs and commits.
    again = config.model_copy(update={
        "engine": config.engine.model_copy(update={"retry_failed": True})})  # fmt: skip
    assert again.id == config.id
    state = parts.open_state(again)
    assert [t.id for _, t in pending(state, parts)] == [poisoned.id]
    with Compute.local(Recording(answers), "python", state.limits) as compute:
        run_programs(state, parts, compute, QUIET)
    assert sent == [f"{poisoned.id}:solver"]
    assert not pending(parts.open_state(again), parts)
    solved = query(data, "SELECT count(DISTINCT task_id) AS n FROM samples").to_pylist()
    assert solved == [{"n": 64}]


def _replay(config: RunConfig, folder: Path) -> RunConfig:
    answers = folder / "answers.jsonl"
    with answers.open("w") as fh:
        for key, texts in _answers(config).items():
            fh.write(json.dumps({"key": key, "texts": texts}) + "\n")
    generator = config.generator.model_copy(update={
        "backend": "replay", "model": "replay", "num_cpus": 0, "batch_size": 2,
        "options": {"answers": str(answers), "delay_s": 0.2}, "call_timeout_s": 6,
    })  # fmt: skip
    # Deadlines short enough for a quick test, with room for a loaded 2-core machine: the
    # uninterrupted run must never meet them.
    verify = config.verify.model_copy(update={"item_timeout_s": 1.0, "call_slack_s": 8.0})
    return config.model_copy(update={"generator": generator, "verify": verify})


def _stopped(pid: int) -> bool:
    """Whether process `pid` is still there and stopped (not killed)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "T"
    except (FileNotFoundError, IndexError):
        return False


def _run(config: RunConfig, stop: bool) -> tuple[int, int, list[int]]:
    """The run; with `stop`, its replica and a verifier actor are SIGSTOPped once each mid-run.
    Returns how often the replica and that verifier were started, and the stopped pids."""
    parts = get("code").flow()
    state = parts.open_state(config)
    pids: list[int] = []
    with Compute.open(config, QUIET, "python", None, state.limits) as compute:
        compute.ready()
        replica, checker = compute.generation.workers[0], compute.checks.workers[0]

        def stopper() -> None:
            while compute.generation.calls < 2:
                time.sleep(0.05)
            pids.append(replica.pid())  # type: ignore[attr-defined]
            os.kill(pids[-1], signal.SIGSTOP)
            while compute.checks.checks < 4:
                time.sleep(0.05)
            pids.append(checker.pid())  # type: ignore[attr-defined]
            os.kill(pids[-1], signal.SIGSTOP)

        thread = threading.Thread(target=stopper, daemon=True)
        if stop:
            thread.start()
        run_programs(state, parts, compute, QUIET)
        state.finish()
        return replica.starts, checker.starts, pids  # type: ignore[attr-defined]


def test_stopped_actors_are_replaced_after_their_deadline_and_the_rows_match(
    tmp_path: Path, ray_up: None
) -> None:
    whole = _replay(_config(tmp_path / "whole"), tmp_path)
    stopped = _replay(_config(tmp_path / "stopped"), tmp_path)
    assert _run(whole, stop=False)[:2] == (1, 1)
    replica_starts, checker_starts, pids = _run(stopped, stop=True)
    assert (replica_starts, checker_starts) == (2, 2)
    assert len(pids) == 2 and not any(_stopped(p) for p in pids)  # killed, not left stopped
    parts = get("code").flow()
    assert not pending(parts.open_state(stopped), parts)
    assert _tables(tmp_path / "stopped") == _tables(tmp_path / "whole")


def test_workers_that_cannot_start_fail_ready_naming_them_and_why(
    tmp_path: Path, ray_up: None
) -> None:
    config = load_config(None, [
        f"dataset={tmp_path}", "generator={backend: replay, model: replay, num_cpus: 0, "
        "num_gpus: 1}", "engine.ready_timeout_s=2",
    ])  # fmt: skip
    limits = Limits(wall_s=5, cpu_s=5, memory_mb=256)
    with (
        Compute.open(config, QUIET, "python", None, limits) as compute,
        pytest.raises(WorkersNotReady) as err,
    ):
        compute.ready()
    message = str(err.value)
    assert "generator replica 0 (replay) did not start within 2s" in message
    assert "Ray has no node to place it on (GPU: needs 1, 0 free" in message
    assert "engine.ready_timeout_s" in message


def test_a_worker_still_loading_its_model_is_named_with_its_process(ray_up: None) -> None:
    spec = GeneratorSpec("replay-faulty", "replay", {"load_s": 60.0}, num_cpus=0)
    slow = RayReplica(spec, name="generator replica 3 (replay-faulty)")
    try:
        with pytest.raises(WorkersNotReady) as err:
            wait_ready([slow], timeout_s=3)
    finally:
        slow.close()
    message = str(err.value)
    assert message.startswith("generator replica 3 (replay-faulty) did not start within 3s")
    assert "is still in its constructor (loading the model" in message
