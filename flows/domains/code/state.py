"""The code run's committed state: `RunState` read through the code domain's test pool, where a
solution is judged by its verdict against the pool of trusted and validated generated tests
(and, for a task labelled by agreement, the tests its sampled solutions agreed on)."""

from __future__ import annotations

from assay.flows.domains.code import labels as lb
from assay.flows.domains.code.pool import Matrix, TestPool, build_pool
from assay.flows.domains.code.stages import failing_for_repair
from assay.flows.state import RunState
from assay.schemas.records import Candidate, Role, Status, Task, Verdict
from assay.verifiers import outputs as _outputs  # importing registers python-outputs and -inputs

INPUTS = "python-inputs"  # the verifiers that run generators and record outputs
OUTPUTS = _outputs.NAME


class CodeState(RunState):
    """RunState with the N×M matrix of solutions against the task's test pool."""

    def solutions(self, task: Task) -> list[Candidate]:
        """Solutions only: an input-generator program is neither a solution nor a test."""
        return [c for c in super().solutions(task) if c.role is not Role.INPUTGEN]

    def _checked(self, task: Task, verifier: str, against: str) -> list[Verdict]:
        return [
            v
            for v in self._verdicts.get(task.id, [])
            if v.verifier == verifier and v.against == against
        ]

    def inputs(self, task: Task) -> dict[str, tuple[str, ...]]:
        """The kept generated inputs, with the generator programs that made each."""
        return lb.kept_inputs(self._checked(task, INPUTS, "generator"))

    def output_records(self, task: Task) -> dict[str, Verdict]:
        """Each solution's recorded outputs on the kept inputs, by candidate id."""
        key = lb.inputs_key(list(self.inputs(task)))
        return {v.candidate_id: v for v in self._checked(task, OUTPUTS, key)}

    def labels(self, task: Task) -> list[lb.Label]:
        """The labels the round-0 solutions agree on (none before the labels stage)."""
        if not self.done("labels", task, 0):
            return []
        made = list(self.inputs(task))
        first = {c.id for c in self.solutions(task) if c.round == 0}
        records = [v for cid, v in self.output_records(task).items() if cid in first]
        return lb.label(task, made, records, self.config.tester.labels)

    def pool(self, task: Task) -> TestPool:
        """Trusted tests plus generated tests that passed on the reference (all, without one),
        plus the labelled tests of a task labelled by agreement."""
        testers = self.candidates(task, Role.TESTER)
        checks = [v for v in self._verdicts.get(task.id, []) if v.against == "reference"]
        valid = {o.name for v in checks for o in v.outcomes if o.status is Status.PASS}
        made = self.inputs(task)
        labelled = [
            (text, made[lab.input])
            for lab in self.labels(task)
            if (text := lb.test_text(task, lab)) is not None
        ]
        return build_pool(task, testers, valid if task.reference else None, labelled)

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
