"""The verilog run's committed state: the code domain's `RunState` (atomic per-task commits,
resume by run id) read the verilog way, where every design is judged against the golden RTL.

A design's deciding verdict is the one `against="reference"`. Round-trip candidates are
translators (design → spec at round R+1, spec → design at R+2, R the last repair round), checked
against `roundtrip:<original id>`, so they never count toward pass rates or preference pairs.
"""

from __future__ import annotations

from typing import Any

from assay.flows.domains.verilog import stages as vs
from assay.flows.domains.verilog.config import VerilogConfig
from assay.flows.state import RunState, Tally, counts, mean_rate
from assay.schemas.records import Candidate, Role, Task, Verdict


class VerilogState(RunState):
    """RunState with reference-judged designs instead of the code domain's test matrix."""

    @property
    def spec_round(self) -> int:
        """The round number round-trip candidates are committed under (after every repair)."""
        return self.config.repair.rounds + 1

    def finished(self, root: Task) -> bool:
        """With the round trip on, its check is the task's last commit; else the selection."""
        if self.config.section(VerilogConfig).roundtrip.enabled:
            return self.done("rt-check", root, 0)
        return self.done("select", root, 0)

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

    def tally(self, task: Task) -> Tally:
        """The base counts plus the designs, pass rate, pairs and round trips of one task."""
        judged = self.judged(task)
        decided = [v for _, v in judged if vs.decided(v)]
        out = super().tally(task)
        out.update(
            designs=len(judged),
            designs_pass=sum(v.passed for _, v in judged),
            rate_sum=sum(v.passed for v in decided) / len(decided) if decided else 0.0,
            rated=bool(decided),
            preference_pairs=vs.pair_count(judged),
            roundtrip_tried=len(self.specs(task)),
            roundtrip_kept=sum(s.strategy == vs.ROUNDTRIP for s in self.samples(task)),
        )
        return out

    def summarize(self, totals: Tally) -> dict[str, Any]:
        """The base counts plus what the verilog summary shows."""
        names = ("designs", "designs_pass", "preference_pairs", "roundtrip_tried", "roundtrip_kept")
        return {
            **super().summarize(totals),
            **counts(totals, names),
            "mean_pass_rate": mean_rate(totals),
        }
