"""The generation step every repair-round domain shares: round 0 asks for first samples, round k
for repairs of the task's most promising failures while it is unsolved; the round's candidates
are committed under `gen/<round>` (an empty commit when there is nothing to repair)."""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any, Protocol

from assay.flows.engine.steps import Generate, Program
from assay.schemas.records import Candidate, Role, Task, Verdict
from assay.workers.api import Completion, Request

Pairs = list[tuple[Role, Request]]
Failing = list[tuple[Candidate, Verdict]]


class RepairState(Protocol):
    config: Any

    def done(self, stage: str, task: Task, round_: int) -> bool: ...
    def solved(self, task: Task) -> bool: ...
    def failing(self, task: Task, limit: int) -> Failing: ...
    def commit(self, stage: str, task: Task, round_: int, tables: dict[str, list[Any]]) -> None: ...


def generate_round(
    state: RepairState,
    t: Task,
    round_: int,
    first: Callable[[], Pairs],
    repair: Callable[[Failing], Pairs],
    extract: Callable[[Role, Request, Completion, str], list[Candidate]],
    grant: Callable[[], Generator[Any, Any, bool]] | None = None,
) -> Program:
    """`first()` gives round 0's requests, `repair(failing)` round k's (one per failing
    candidate, in order); `extract(role, request, completion, parent)` the candidates of one
    completion, `parent` naming the candidate a repair was shown. `grant()`, where given, asks
    the run's budget for a repair round first (refused: nothing to repair)."""
    if state.done("gen", t, round_):
        return
    parents: list[str] = []
    if round_ == 0:
        pairs = first()
    elif (
        not state.solved(t)
        and (failing := state.failing(t, state.config.repair.n))
        and (grant is None or (yield from grant()))
    ):
        pairs = repair(failing)
        parents = [cand.id for cand, _ in failing]
    else:
        state.commit("gen", t, round_, {})  # solved, or nothing to repair: the stage is done
        return
    completions = yield Generate([request for _, request in pairs])
    cands: list[Candidate] = []
    for j, ((role, request), completion) in enumerate(zip(pairs, completions, strict=True)):
        cands += extract(role, request, completion, parents[j] if role is Role.REPAIRER else "")
    state.commit("gen", t, round_, {"candidates": cands})
