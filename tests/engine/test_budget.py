"""The run's dart budget on its own: a group's wave is granted lowest pass rate first, only
once every task of the group has asked, passed it or stopped, so the grants are the same in
whatever order the asks arrive; a resumed budget (what was granted read back) decides alike."""

from __future__ import annotations

import itertools
import math

from assay.flows.config import load_config
from assay.flows.engine.budget import WAVE_GEN, Budget, for_run
from assay.flows.engine.steps import Ask

RATES = {0: 0.5, 1: 0.0, 2: 0.25, 3: 0.0, 4: 0.0, 5: 0.75}  # observed pass rate per task


def _budget(total: int, granted: dict[int, dict[int, int]] | None = None) -> Budget:
    section = load_config(
        None, ["solver.policy=dart", "solver.n=2", f"solver.budget={total}", "solver.group=3"]
    ).solver
    committed = granted or {}
    return for_run(
        section, 6, 1, lambda i, stage, r: stage == WAVE_GEN and r in committed.get(i, {}), []
    )


def _grants(budget: Budget, order: tuple[int, ...], level: int = 1) -> dict[int, bool]:
    out: dict[int, bool] = {}
    for i in order:
        budget.ask(Ask(budget, i, level, 2, RATES[i]), lambda ok, i=i: out.__setitem__(i, ok))
    return out


def test_a_wave_is_granted_lowest_pass_rate_first_whatever_order_the_asks_come_in() -> None:
    seen = {tuple(sorted(_grants(_budget(18), order).items()))
            for order in itertools.permutations(range(6))}  # fmt: skip
    # 18 samples: 12 for wave 0, 3 per group left: one wave of 2 each; task 1 (rate 0) in the
    # first group, task 3 (rate 0, before 4 by index) in the second
    assert seen == {((0, False), (1, True), (2, False), (3, True), (4, False), (5, False))}


def test_a_group_waits_for_its_slowest_task_and_a_stopped_one_lets_it_go() -> None:
    budget, out = _budget(24), {}
    for i in (0, 1):
        budget.ask(Ask(budget, i, 1, 2, RATES[i]), lambda ok, i=i: out.__setitem__(i, ok))
    assert out == {}  # task 2 is still at wave 0
    budget.leave(2)
    assert out == {0: True, 1: True}  # 24 - 12 = 6 per group: both fit
    assert budget.level(2) == math.inf
    assert budget.spent(range(3)) == 10 <= budget.share(0)


def test_a_resumed_budget_grants_the_rest_of_a_wave_alike() -> None:
    whole = _grants(_budget(20), (0, 1, 2, 3, 4, 5))  # 4 left per group: two waves of 2
    assert [i for i, ok in whole.items() if ok] == [1, 2, 3, 4]
    # killed after task 2's wave 1 was committed: the resumed budget reads it back (task 2's
    # ask is answered at once) and gives the group's other wave to the same task as before
    resumed = _budget(20, {2: {1: 2}})
    assert _grants(resumed, (0, 5, 2, 4, 1, 3)) == whole
