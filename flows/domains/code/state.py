"""The code run's committed state: `RunState` read through the code domain's test pool, where a
solution is judged by its verdict against the pool of trusted and validated generated tests."""

from __future__ import annotations

from assay.flows.domains.code.pool import Matrix, TestPool, build_pool
from assay.flows.domains.code.stages import failing_for_repair
from assay.flows.state import RunState
from assay.schemas.records import Candidate, Role, Status, Task, Verdict


class CodeState(RunState):
    """RunState with the N×M matrix of solutions against the task's test pool."""

    def pool(self, task: Task) -> TestPool:
        """Trusted tests plus generated tests that passed on the reference (all, without one)."""
        testers = self.candidates(task, Role.TESTER)
        checks = [v for v in self._verdicts.get(task.id, []) if v.against == "reference"]
        valid = {o.name for v in checks for o in v.outcomes if o.status is Status.PASS}
        return build_pool(task, testers, valid if task.reference else None)

    def matrix(self, task: Task) -> Matrix:
        pool = self.pool(task)
        by_candidate = {
            v.candidate_id: v for v in self._verdicts.get(task.id, []) if v.against == pool.id
        }
        sols = [c for c in self.solutions(task) if c.id in by_candidate]
        return Matrix(pool, sols, [by_candidate[c.id] for c in sols])

    def failing(self, task: Task, limit: int) -> list[tuple[Candidate, Verdict]]:
        """The failing solutions to repair next, most promising first."""
        return failing_for_repair(self.matrix(task), limit)

    def solved(self, task: Task) -> bool:
        """Some solution passes the whole pool."""
        return bool(self.matrix(task).verified())
