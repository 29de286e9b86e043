"""The translation run's committed state: the code domain's `RunState` (atomic per-task commits,
resume by run id) read the MuSL way.

Model drivers (`tester` candidates) are judged `against="source"`: validated on the serial source
alone. Translations (`translator` candidates, repairs with a `parent_id`) are judged
`against="suite"`: the task's trusted drivers plus every driver validated up to their round.
"""

from __future__ import annotations

from typing import Any

from assay.flows.domains.translation import stages as ts
from assay.flows.state import RunState
from assay.schemas.records import Candidate, Role, Task, Verdict


class TranslationState(RunState):
    """RunState with suite-judged translations and source-validated drivers."""

    def verdicts(self, task: Task) -> list[Verdict]:
        return list(self._verdicts.get(task.id, []))

    def translations(self, task: Task) -> list[Candidate]:
        return self.candidates(task, Role.TRANSLATOR)

    def drivers(self, task: Task) -> list[Candidate]:
        return self.candidates(task, Role.TESTER)

    def judged(self, task: Task) -> list[tuple[Candidate, Verdict]]:
        """(translation, verdict against the suite) for every translation checked."""
        return ts.judged(self.translations(task), self.verdicts(task), ts.SUITE)

    def validated(self, task: Task) -> list[tuple[Candidate, Verdict]]:
        """(model driver, verdict on the source) for every driver checked."""
        return ts.judged(self.drivers(task), self.verdicts(task), ts.VALIDATED)

    def suite(self, task: Task, round_: int) -> list[dict[str, str]]:
        """Trusted drivers, then the model drivers accepted in rounds up to `round_`."""
        ok = sorted(
            (c for c, v in self.validated(task) if v.passed and c.round <= round_),
            key=lambda c: (c.round, c.id),
        )
        return ts.trusted_tests(task) + [{"name": ts.test_name(c), "driver": c.text} for c in ok]

    def rejected(self, task: Task, round_: int) -> list[tuple[Candidate, Verdict]]:
        return [(c, v) for c, v in self.validated(task) if c.round == round_ and not v.passed]

    def solved(self, task: Task) -> bool:
        return any(v.passed for _, v in self.judged(task))

    def finish(self, state: str = "completed") -> dict[str, Any]:
        """The base counts plus per-round pass@1 and tester acceptance."""
        out = super().finish(state)
        judged = [p for t in self.tasks for p in self.judged(t)]
        drivers = [p for t in self.tasks for p in self.validated(t)]
        rounds = []
        for r in range(self.config.translation.rounds):
            mine = [v for c, v in judged if c.round == r]
            tests = [v for c, v in drivers if c.round == r]
            rounds.append(
                {
                    "round": r,
                    "translations": len(mine),
                    "passed": sum(v.passed for v in mine),
                    "drivers": len(tests),
                    "accepted": sum(v.passed for v in tests),
                }
            )
        rates = [ts.pass_rate(self.judged(t)) for t in self.tasks if self.judged(t)]
        out.update(
            translations=len(judged),
            translations_pass=sum(v.passed for _, v in judged),
            drivers=len(drivers),
            drivers_accepted=sum(v.passed for _, v in drivers),
            mean_pass_rate=sum(rates) / len(rates) if rates else 0.0,
            rounds=rounds,
        )
        return out
