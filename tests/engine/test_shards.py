"""Shards: several engine loops sharing one host of the run's workers commit the rows of one
loop, prompts from every shard meet in the same generator calls, and a host whose workers stop
tells every shard."""

from __future__ import annotations

import sys
import threading
from contextlib import ExitStack
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from test_engine_code import _answers, _config, _run, _tables

from assay.flows.config import RunConfig, load_config
from assay.flows.domains import get
from assay.flows.engine.compute import Compute
from assay.flows.engine.remote import RemoteCompute, host_actor
from assay.flows.engine.rounds import Pending, pending, run_programs
from assay.flows.progress import Progress
from assay.verifiers.sandbox import Limits
from assay.workers.replay import ReplayGenerator


def setup_module() -> None:
    """Ray's workers cannot import this test module: what it hands the host goes by value."""
    import ray.cloudpickle

    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])


class Breaks(ReplayGenerator):
    """A generator whose every call fails as a broken replica would."""

    def generate(self, requests: list) -> list:
        raise RuntimeError("planted: the replicas are failing")


def _local(generator: ReplayGenerator, limits: Limits, stack: ExitStack) -> Compute:
    """The run's workers in the host actor: a replay generator and two sandboxes on threads."""
    return stack.enter_context(Compute.local(generator, "python", limits, jobs=2, batch=4))


def _sharded(config: RunConfig, generator: ReplayGenerator, shards: int) -> dict[str, Any]:
    """The run's pending tasks over `shards` loops (threads here), each with its own state and
    writer, all through one host actor; the host's counters."""
    import ray

    parts = get("code").flow()
    state = parts.open_state(config)
    pend = pending(state, parts)
    host = host_actor(shards).remote(partial(_local, generator, state.limits))
    errors: list[BaseException] = []

    def loop(part: Pending) -> None:
        mine = parts.open_state(config, part.roots)
        try:
            run_programs(mine, parts, RemoteCompute(host, part.shard, 64), Progress(quiet=True),
                         part)  # fmt: skip
        except BaseException as exc:
            errors.append(exc)
        finally:
            mine.close()

    threads = [threading.Thread(target=loop, args=(pend.part(k, shards),)) for k in range(shards)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        if errors:
            raise errors[0]
        return dict(ray.get(host.stats.remote()))
    finally:
        ray.get(host.close.remote())
        ray.kill(host)


def test_parts_deal_every_pending_task_once() -> None:
    pend = Pending([f"t{i}" for i in range(7)], 7, {1, 5})
    parts = [pend.part(k, 3) for k in range(3)]
    assert [list(p) for p in parts] == [[(0, "t0"), (3, "t3"), (6, "t6")], [(4, "t4")],
                                        [(2, "t2")]]  # fmt: skip
    assert [p.todo for p in parts] == [3, 1, 1] and sum(p.todo for p in parts) == pend.todo
    assert not Pending(["t0"], 1, set()).part(1, 2)  # a shard with nothing to do


def test_three_shards_commit_the_rows_of_one_loop(tmp_path: Path, ray_up: None) -> None:
    whole, sharded = _config(tmp_path / "whole"), _config(tmp_path / "sharded")
    _run(whole, ReplayGenerator(_answers(whole)))
    stats = _sharded(sharded, ReplayGenerator(_answers(sharded)), 3)
    parts = get("code").flow()
    assert not pending(parts.open_state(sharded), parts)
    assert _tables(tmp_path / "sharded") == _tables(tmp_path / "whole")
    assert stats["checks"] > 0 and stats["generator_calls"] > 0
    # the shards' prompts met in shared calls: fewer calls than one per prompt
    assert stats["generator_calls"] < stats["prompts"]


def test_a_host_whose_workers_stop_stops_every_shard(tmp_path: Path, ray_up: None) -> None:
    config = _config(tmp_path / "ds", "generator.retries=1")
    with pytest.raises(RuntimeError, match="the run's workers stopped"):
        _sharded(config, Breaks(_answers(config)), 2)


def test_a_policy_or_domain_that_decides_across_tasks_runs_in_one_shard() -> None:
    with pytest.raises(ValueError, match="dart spends one budget"):
        load_config(None, ["engine.shards=2", "solver.policy=dart"])
    with pytest.raises(ValueError, match="adds conjectures"):
        load_config(None, ["engine.shards=2", "domain=proofs"])
