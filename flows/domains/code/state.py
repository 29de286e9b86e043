"""The code run's committed state: `RunState` read through the code domain's test pool, where a
solution is judged by its verdict against the pool of trusted and validated generated tests
(and, for a task labelled by agreement, the tests its sampled solutions agreed on). Generated
tests are checked before they count: with a reference, only those that pass on it; with trusted
tests alone, labels are voted by the solutions that pass them, and model-written asserts count
only when most of those solutions pass them (`votes`)."""

from __future__ import annotations

from typing import Self

from assay.flows.config import RunConfig
from assay.flows.domains.code import labels as lb
from assay.flows.domains.code import votes
from assay.flows.domains.code.languages import (
    PROGRAM_OUTPUTS,
    other_solutions,
    outputs_verifier,
    resolve,
    verifier_of,
)
from assay.flows.domains.code.pool import Matrix, TestPool, build_pool
from assay.flows.domains.code.stages import failing_for_repair
from assay.flows.sources import stream_tasks
from assay.flows.state import RunState
from assay.flows.tasks import Tasks
from assay.schemas.records import Candidate, Role, Status, Task, Verdict

# importing outputs registers python-outputs and -inputs
from assay.verifiers.python import outputs as _outputs

INPUTS = "python-inputs"  # the verifiers that run generators and record outputs
OUTPUTS = _outputs.NAME
TRUSTED = "trusted"  # what a voter's check against the task's trusted tests is against


class CodeState(RunState):
    """RunState with the N×M matrix of solutions against the task's test pool."""

    @classmethod
    def open(cls, config: RunConfig, tasks: Tasks | list[Task] | None = None) -> Self:
        """`RunState.open`, each task in the language the run writes it in (`resolve`), as
        the tasks stream past."""
        if tasks is None:
            tasks = stream_tasks(config)
        stream = tasks if isinstance(tasks, Tasks) else Tasks.of(tasks)
        return super().open(config, stream.map(lambda t: resolve(t, config)))

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
        by = {outputs_verifier(task), PROGRAM_OUTPUTS}  # the task's own solutions' by programs
        return {
            v.candidate_id: v
            for v in self._verdicts.get(task.id, [])
            if v.verifier in by and v.against == key
        }

    def voters(self, task: Task) -> set[str]:
        """The round-0 solutions whose outputs vote on labels; for a task with trusted tests but
        no reference (nothing to check a label itself on), only those that passed those tests."""
        first = {c.id for c in self.solutions(task) if c.round == 0 and c.wave == 0}
        accepted = {vid for vid, _, _ in other_solutions(task)}  # the task's own, any language
        if task.tests and not task.reference:
            checked = self._checked(task, verifier_of(task) or "python", TRUSTED)
            return first & {v.candidate_id for v in checked if v.status is Status.PASS} | accepted
        return first | accepted

    def labels(self, task: Task) -> list[lb.Label]:
        """The labels the voters agree on (none before the labels stage)."""
        if not self.done("labels", task, 0):
            return []
        made = list(self.inputs(task))
        voters = self.voters(task)
        records = [v for cid, v in self.output_records(task).items() if cid in voters]
        return lb.label(task, made, records, self.config.tester.labels)

    def labelled(self, task: Task) -> list[tuple[str, tuple[str, ...]]]:
        """Each label's pool test, with the generator programs that made its input."""
        made = self.inputs(task)
        return [
            (text, made[lab.input])
            for lab in self.labels(task)
            if (text := lb.test_text(task, lab)) is not None
        ]

    def validation_suites(self, task: Task) -> list[tuple[str, list[str]]]:
        """The generated tests to run on the reference before they count, as (candidate id,
        tests): each tester's asserts, then the labelled tests under the first generator program
        that made their input (an output most solutions agree on can still be wrong)."""
        suites = [(c.id, c.text.splitlines()) for c in self.candidates(task, Role.TESTER)]
        by_generator: dict[str, list[str]] = {}
        for text, origins in self.labelled(task):
            by_generator.setdefault(origins[0], []).append(text)
        return suites + sorted(by_generator.items())

    def pool(self, task: Task) -> TestPool:
        """Trusted tests plus generated and labelled tests; with a reference, only those that
        passed on it; with trusted tests alone, only the asserts a strict majority of the
        solutions passing those tests pass (`votes`): a wrong test would otherwise veto right
        solutions. Without either, every generated test counts (consensus decides), as it did
        on a run whose round-0 pool was checked before votes were taken (it keeps that pool, so
        the verdicts against it still count when the run resumes)."""
        testers = self.candidates(task, Role.TESTER)
        checks = [v for v in self._verdicts.get(task.id, []) if v.against == "reference"]
        valid = {o.name for v in checks for o in v.outcomes if o.status is Status.PASS}
        labelled = [
            (text, ids) for text, ids in self.labelled(task) if not task.reference or text in valid
        ]
        if votes.applies(task) and (
            self.done(votes.VOTES, task, 0) or not self.done("verify", task, 0)
        ):
            cast = self._checked(task, verifier_of(task) or "python", votes.VOTES)
            return build_pool(task, testers, votes.backed(task, cast), labelled)
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
