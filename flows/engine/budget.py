"""The run's sample budget under `solver.policy: dart`, held by the driver: task programs ask it
for each wave after their first (and, under dart, for each repair round); it grants hardest
first while the budget lasts.

Decisions are the same whatever order checks end in, and after a kill: the budget is split
over groups of `solver.group` consecutive tasks (by their index), and a group's level (wave w,
or repair round r) is decided once every task of the group has asked for it, or passed it, or
stopped. Then the askers are granted in order of observed pass rate, samples so far and index,
while the group's budget left (its share, less every cost of its lower levels and what this
level already granted) covers them. Everything that goes into a decision is committed before
it is made, so a resumed run recomputes it (`open_budget` reads the committed waves and repair
grants back) and decides alike. Groups do not wait for one another: a wave is a barrier for its
group only, and the engine keeps other groups' tasks open meanwhile.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from assay.flows.config_sections import SolverSampling
from assay.flows.engine.steps import Ask, Program

WAVE_GEN, WAVE_CHECK, GRANT = "wave", "wave-check", "grant"  # stage names (round = wave/round)


@dataclass
class Budget:
    """`share(g)` samples for group g of `group` tasks; wave 0 (`n` per task) always runs.
    `granted[i]`: task i's granted levels and their costs (level 1.. for waves, `waves + r - 1`
    for repair round r)."""

    n: int
    total: int
    tasks: int
    group: int
    waves: int  # the most waves one task takes (its cap // n)
    repair_cost: int  # what a repair round is charged: its most, repair.n requests of repair.n
    granted: dict[int, dict[int, int]] = field(default_factory=dict)
    at: dict[int, float] = field(default_factory=dict)  # highest level each open task reached
    left: set[int] = field(default_factory=set)  # tasks that ask for nothing more (finished)
    _waiting: dict[int, list[tuple[Ask, Callable[[bool], None]]]] = field(default_factory=dict)

    def repair_level(self, round_: int) -> int:
        return self.waves + round_ - 1

    def share(self, g: int) -> int:
        """Group g's part of the run's budget (the parts add up to it exactly)."""
        lo, hi = g * self.group, min((g + 1) * self.group, self.tasks)
        return self.total * hi // self.tasks - self.total * lo // self.tasks

    def members(self, g: int) -> range:
        return range(g * self.group, min((g + 1) * self.group, self.tasks))

    def spent(self, indices: Iterable[int] | None = None) -> int:
        """Samples granted so far (wave 0 of every task included) over `indices` (default all)."""
        chosen = range(self.tasks) if indices is None else indices
        return sum(self.n + sum(self.granted.get(i, {}).values()) for i in chosen)

    def ask(self, ask: Ask, back: Callable[[bool], None]) -> None:
        """Answer `ask` now if its level was granted before (a resumed run), else once its
        group's level is decided."""
        self.at[ask.index] = max(self.level(ask.index), ask.level)
        if ask.level in self.granted.get(ask.index, {}):
            back(True)
            return
        g = ask.index // self.group
        self._waiting.setdefault(g, []).append((ask, back))
        self._decide(g)

    def level(self, index: int) -> float:
        """The highest level task `index` reached (past every level once it left)."""
        return math.inf if index in self.left else self.at.get(index, 0)

    def leave(self, index: int) -> None:
        """Task `index` asks for nothing more: its group decides without it."""
        self.left.add(index)
        self.at.pop(index, None)
        self._decide(index // self.group)

    def _decide(self, g: int) -> None:
        while waiting := self._waiting.get(g):
            level = min(a.level for a, _ in waiting)
            if any(self.level(i) < level for i in self.members(g)):
                return  # some task of the group has not reached this level yet
            askers = sorted(
                (w for w in waiting if w[0].level == level),
                key=lambda w: (w[0].rate, self.spent([w[0].index]), w[0].index),
            )
            self._waiting[g] = [w for w in waiting if w[0].level != level]
            lower = sum(c for i in self.members(g) for lv, c in self.granted.get(i, {}).items()
                        if lv < level)  # fmt: skip
            here = sum(self.granted.get(i, {}).get(level, 0) for i in self.members(g))
            left = self.share(g) - self.n * len(self.members(g)) - lower - here
            answers = []
            for ask, back in askers:
                ok = ask.cost <= left
                if ok:
                    left -= ask.cost
                    self.granted.setdefault(ask.index, {})[level] = ask.cost
                else:
                    left = -1  # a prefix is granted: once one does not fit, none after it
                answers.append((back, ok))
            for back, ok in answers:
                back(ok)


def for_run(
    section: SolverSampling,
    tasks: int,
    repair_n: int,
    committed: Callable[[int, str, int], bool],
    finished: Iterable[int],
) -> Budget:
    """The run's budget, with what its committed rows say was granted (`committed(index, stage,
    round)`, asked of each task in index order) and its `finished` tasks (they ask for nothing
    more)."""
    waves = max(1, section.cap // section.n)
    total = section.budget if section.budget is not None else section.n * tasks
    if total < section.n * tasks:
        raise ValueError(
            f"solver.budget ({total}) is less than one wave of n={section.n} for each of the "
            f"{tasks} tasks ({section.n * tasks})"
        )
    budget = Budget(section.n, total, tasks, section.group, waves, repair_n * repair_n)
    for i in range(tasks):
        got: dict[int, int] = {}
        for w in range(1, waves):
            if not committed(i, WAVE_GEN, w):
                break
            got[w] = section.n
        r = 1
        while committed(i, GRANT, r):
            got[budget.repair_level(r)] = budget.repair_cost
            r += 1
        if got:
            budget.granted[i] = got
    budget.left.update(finished)
    return budget


def opened(state: Any, parts: ModuleType, pending: Any) -> Budget | None:
    """The run's budget under `solver.policy: dart` (None under `fixed`), over its tasks (the
    domain's `roots`, else all) as `rounds.pending` indexes them: `pending.count` tasks, those
    in `pending.skipped` finished. What each was granted is read in one more pass over them."""
    section = state.config.solver
    if section.policy != "dart":
        return None
    rounds = getattr(parts, "ROUNDS", None)
    if not getattr(parts, "WAVES", False) and getattr(rounds, "check_wave", None) is None:
        raise ValueError(
            f"solver.policy: dart: the {state.config.domain} domain does not sample in waves; "
            "use solver.policy: fixed"
        )
    roots = iter(pending.roots)  # the tasks the pending scan indexed
    current: list[Any] = [None, -1]  # the task at index current[1], read in index order

    def committed(i: int, stage: str, r: int) -> bool:
        while current[1] < i:
            current[0], current[1] = next(roots), current[1] + 1
        return bool(state.done(stage, current[0], r))

    return for_run(section, pending.count, state.config.repair.n, committed, pending.skipped)


def leaving(state: Any, index: int, program: Program) -> Program:
    """`program`, then its task leaves the budget (however it ended), so its group goes on."""
    try:
        yield from program
    finally:
        if state.budget is not None:
            state.budget.leave(index)


def window(state: Any, configured: int) -> int:
    """Tasks open at once: at least a dart group, whose tasks wait for one another."""
    section = state.config.solver
    return max(configured, section.group) if section.policy == "dart" else configured
