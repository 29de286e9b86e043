"""A task's dart waves (`solver.policy: dart`): after round 0, more samples of the generating
role, `n` at a time, while the task has fewer than `k` verified samples, is under its cap, has
not gone `zero_share` of its cap without a pass, and the run's budget grants the wave.

A wave's requests are round 0's generating-role requests with the seed moved by the wave and
the key marked by it, so a rerun asks alike; its candidates are committed under the `wave`
stage and checked under `wave-check` (the domain's `check_wave`). What a task decides before
wave w counts only what waves before w found, so a resumed run (which holds later waves too)
decides alike.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import replace
from typing import Any

from assay.flows.engine.budget import WAVE_GEN, Budget
from assay.flows.engine.steps import Ask, Generate, Program
from assay.schemas.records import Candidate, Role, Task
from assay.workers.api import Completion, Request

GENERATING = frozenset({Role.SOLVER, Role.PROVER, Role.TRANSLATOR})  # sampled with `solver`
WAVE_SEED = 1_000_003  # a wave's seeds are its first's moved by this per wave

Pairs = list[tuple[Role, Request]]
Extract = Callable[[Role, Request, Completion], list[Candidate]]


def wave_requests(pairs: Pairs, n: int, wave: int) -> Pairs:
    """Round 0's generating-role requests, `n` samples each, seeded and keyed by `wave`."""
    return [
        (role, replace(r, key=f"{r.key}:w{wave}",
                       sampling=replace(r.sampling, n=n, seed=r.sampling.seed + WAVE_SEED * wave)))
        for role, r in pairs
        if role in GENERATING
    ]  # fmt: skip


def ask(
    budget: Budget, index: int, level: int, cost: int, rate: float
) -> Generator[Any, Any, bool]:
    """The budget's answer for one level of task `index`."""
    granted: bool = yield Ask(budget, index, level, cost, rate)
    return granted


def run_waves(
    state: Any,
    t: Task,
    index: int,
    budget: Budget,
    first: Callable[[], Pairs],
    extract: Extract,
    passes: Callable[[int], int],
    check: Callable[[int], Program],
) -> Program:
    """Waves 1.. of task `t` (round 0 was wave 0). `passes(w)`: verified samples of waves
    before `w`; `check(w)`: check wave w's new candidates (skipping what is committed)."""
    cfg = state.config.solver
    k = cfg.k or state.config.select.keep
    for w in range(1, budget.waves):
        found, samples = passes(w), cfg.n * w
        if found >= k or (found == 0 and samples >= cfg.zero_share * cfg.cap):
            return
        if not (yield from ask(budget, index, w, cfg.n, found / samples)):
            return
        if not state.done(WAVE_GEN, t, w):
            pairs = wave_requests(first(), cfg.n, w)
            completions = yield Generate([r for _, r in pairs])
            cands = [
                replace(c, wave=w)
                for (role, request), done in zip(pairs, completions, strict=True)
                for c in extract(role, request, done)
            ]
            state.commit(WAVE_GEN, t, w, {"candidates": cands})
        yield from check(w)
