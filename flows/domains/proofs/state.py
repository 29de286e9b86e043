"""The proofs run's committed state: the code domain's `RunState` (atomic per-task commits,
resume by run id) read the proofs way.

`tasks` holds the configured statements (`seeds`) followed by every conjecture that passed its
filter, in memory: a seed's program adds its conjectures to the run's tasks, so this domain keeps
its list (proof runs have thousands of statements, not millions).

A conjecture task is rebuilt from its committed conjecturer candidate and filter
verdicts, so a resumed run finds the same conjecture tasks without reading the tasks table.
"""

from __future__ import annotations

from typing import Any

from assay.flows.domains.proofs import conjecture as pc
from assay.flows.domains.proofs import stages as ps
from assay.flows.domains.proofs.config import ProofsConfig
from assay.flows.state import RunState, Tally, counts, mean_rate
from assay.flows.tasks import Tasks
from assay.schemas.records import Candidate, Role, Task, Verdict


class ProofState(RunState):
    """RunState with proofs judged against their statements, and conjecture tasks."""

    seeds: list[Task]
    _seed_ids: set[str]

    def opened(self) -> None:
        self.seeds = list(self.tasks)
        self._seed_ids = {t.id for t in self.seeds}
        self.tasks = Tasks.of(self.seeds)

    def loaded(self, root: Task) -> None:
        """A seed's conjectures that passed the filter become tasks as its rows are read."""
        self.add_tasks(self.conjecture_tasks(root))

    def family(self, root: Task) -> list[Task]:
        """A seed with its conjecture tasks: its program proves those too."""
        return [root, *self.conjecture_tasks(root)]

    def is_seed(self, task: Task) -> bool:
        return task.id in self._seed_ids

    @property
    def conjecture_round(self) -> int:
        """Conjecturer candidates are committed under the round after the last repair."""
        return self.config.repair.rounds + 1

    def verdicts(self, task: Task) -> list[Verdict]:
        return list(self._verdicts.get(task.id, []))

    def judged(self, task: Task) -> list[tuple[Candidate, Verdict]]:
        return ps.judged(self.solutions(task), self.verdicts(task))

    def solved(self, task: Task) -> bool:
        return any(v.passed for _, v in self.judged(task))

    def failing(self, task: Task, limit: int) -> list[tuple[Candidate, Verdict]]:
        return ps.failing_for_repair(self.judged(task), limit)

    def conjectures(self, seed: Task) -> list[tuple[Candidate, Verdict | None, Verdict | None]]:
        """(conjecture, compile verdict, negation verdict) for each statement the model proposed."""
        by = {(v.candidate_id, v.against): v for v in self.verdicts(seed)}
        return [
            (c, by.get((c.id, pc.COMPILES)), by.get((c.id, pc.NEGATION)))
            for c in self.candidates(seed, Role.CONJECTURER)
        ]

    def conjecture_tasks(self, seed: Task) -> list[Task]:
        """The seed's conjectures that passed the filter, as tasks."""
        return [
            ps.conjecture_task(seed, c) for c, ok, neg in self.conjectures(seed) if pc.kept(ok, neg)
        ]

    def add_tasks(self, tasks: list[Task]) -> None:
        known = {t.id for t in self.tasks}
        self.tasks.extend(t for t in tasks if t.id not in known)

    def conjecture_on(self) -> bool:
        return self.config.section(ProofsConfig).conjecture.enabled

    def tally(self, task: Task) -> Tally:
        """The base counts plus one statement's proofs; a seed also counts its conjectures."""
        judged = self.judged(task)
        out = super().tally(task)
        out.update(
            proofs=len(judged),
            proofs_pass=sum(v.passed for _, v in judged),
            repairs=sum(c.role is Role.REPAIRER for c, _ in judged),
        )
        if self.is_seed(task):
            out.update(
                statements_proved=self.solved(task),
                rate_sum=ps.pass_rate(judged) if judged else 0.0,
                rated=bool(judged),
                conjectures=len(self.conjectures(task)),
            )
        else:
            out.update(conjectures_kept=bool(self.samples(task)))
        return out

    def summarize(self, totals: Tally) -> dict[str, Any]:
        """The base counts plus what the proofs summary shows."""
        names = ("statements_proved", "proofs", "proofs_pass", "repairs", "conjectures",
                 "conjectures_kept")  # fmt: skip
        return {
            **super().summarize(totals),
            "tasks": self.tasks.count,
            **counts(totals, names),
            "statements": len(self.seeds),
            "mean_pass_rate": mean_rate(totals),
            "conjectures_filtered": (self.tasks.count or 0) - len(self.seeds),
        }
