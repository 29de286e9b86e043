"""The proofs run's committed state: the code domain's `RunState` (atomic per-task commits,
resume by run id) read the proofs way.

`tasks` holds the configured statements (`seeds`) followed by every conjecture that passed its
filter. A conjecture task is rebuilt from its committed conjecturer candidate and filter
verdicts, so a resumed run finds the same conjecture tasks without reading the tasks table.
"""

from __future__ import annotations

from typing import Any

from assay.flows.config import RunConfig
from assay.flows.domains.proofs import conjecture as pc
from assay.flows.domains.proofs import stages as ps
from assay.flows.state import RunState
from assay.schemas.records import Candidate, Role, Task, Verdict


class ProofState(RunState):
    """RunState with proofs judged against their statements, and conjecture tasks."""

    seeds: list[Task]

    @classmethod
    def open(cls, config: RunConfig) -> ProofState:
        state = super().open(config)
        assert isinstance(state, ProofState)
        state.seeds = list(state.tasks)
        for seed in state.seeds:
            state.tasks += state.conjecture_tasks(seed)
        return state

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
        self.tasks += [t for t in tasks if t.id not in known]

    def conjecture_on(self) -> bool:
        return self.config.proofs.conjecture.enabled

    def finish(self, state: str = "completed") -> dict[str, Any]:
        """The base counts plus what the proofs summary shows."""
        out = super().finish(state)
        judged = {t.id: self.judged(t) for t in self.tasks}
        rates = [ps.pass_rate(judged[t.id]) for t in self.seeds if judged[t.id]]
        proposed = [c for t in self.seeds for c in self.conjectures(t)]
        conj = [t for t in self.tasks if t not in self.seeds]
        out.update(
            statements=len(self.seeds),
            statements_proved=sum(self.solved(t) for t in self.seeds),
            proofs=sum(len(j) for j in judged.values()),
            proofs_pass=sum(v.passed for j in judged.values() for _, v in j),
            repairs=sum(c.role is Role.REPAIRER for j in judged.values() for c, _ in j),
            mean_pass_rate=sum(rates) / len(rates) if rates else 0.0,
            conjectures=len(proposed),
            conjectures_filtered=len(conj),
            conjectures_kept=sum(bool(self.samples(t)) for t in conj),
        )
        return out
