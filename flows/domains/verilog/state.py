"""The verilog run's committed state: the code domain's `RunState` (atomic per-task commits,
resume by run id) read the verilog way, where every design is judged against the golden RTL.

A design's deciding verdict is the one `against="reference"`. Round-trip candidates are
translators (design → spec at round R+1, spec → design at R+2, R the last repair round), checked
against `roundtrip:<original id>`, so they never count toward pass rates or preference pairs.
"""

from __future__ import annotations

from typing import Any

from assay.flows.domains.verilog import stages as vs
from assay.flows.state import RunState
from assay.schemas.records import Candidate, Role, Task, Verdict


class VerilogState(RunState):
    """RunState with reference-judged designs instead of the code domain's test matrix."""

    @property
    def spec_round(self) -> int:
        """The round number round-trip candidates are committed under (after every repair)."""
        return self.config.repair.rounds + 1

    def verdicts(self, task_id: str) -> list[Verdict]:
        return list(self._verdicts.get(task_id, []))

    def judged(self, task: Task) -> list[tuple[Candidate, Verdict]]:
        """(design, verdict against the reference) for every solver and repairer design."""
        return vs.judged(self.solutions(task), self.verdicts(task.id))

    def solved(self, task: Task) -> bool:
        return any(v.passed for _, v in self.judged(task))

    def failing(self, task: Task, limit: int) -> list[tuple[Candidate, Verdict]]:
        return vs.failing_for_repair(self.judged(task), limit)

    def specs(self, task: Task) -> list[Candidate]:
        """Round trip, step one: prose specs written from verified designs (parent: the design)."""
        return [c for c in self.candidates(task, Role.TRANSLATOR) if c.round == self.spec_round]

    def finish(self, state: str = "completed") -> dict[str, Any]:
        """The base counts plus what the verilog summary shows."""
        out = super().finish(state)
        judged = {t.id: self.judged(t) for t in self.tasks}
        decided = {k: [v for _, v in j if vs.decided(v)] for k, j in judged.items()}
        rates = [sum(v.passed for v in d) / len(d) for d in decided.values() if d]
        samples = [s for t in self.tasks for s in self.samples(t)]
        out.update(
            designs=sum(len(j) for j in judged.values()),
            designs_pass=sum(v.passed for j in judged.values() for _, v in j),
            mean_pass_rate=sum(rates) / len(rates) if rates else 0.0,
            preference_pairs=sum(vs.pair_count(j) for j in judged.values()),
            roundtrip_tried=sum(len(self.specs(t)) for t in self.tasks),
            roundtrip_kept=sum(s.strategy == vs.ROUNDTRIP for s in samples),
        )
        return out
