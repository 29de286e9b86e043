"""The translation run's committed state: the code domain's `RunState` (atomic per-task commits,
resume by run id) read the MuSL way.

Model drivers (`tester` candidates) are judged `against="source"`: validated on the serial source
alone. Translations (`translator` candidates, repairs with a `parent_id`) are judged
`against="suite"`: the task's trusted drivers plus every driver validated up to their round.
"""

from __future__ import annotations

from typing import Any

from assay.flows.domains.translation import stages as ts
from assay.flows.domains.translation.config import TranslationFlowConfig
from assay.flows.state import RunState, Tally, counts, mean_rate, sum_into
from assay.schemas.records import Candidate, Role, Task, Verdict

ROUND_COUNTS = ("translations", "passed", "drivers", "accepted")


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

    def tally(self, task: Task) -> Tally:
        """The base counts plus one task's translations and drivers, round by round."""
        judged, drivers = self.judged(task), self.validated(task)
        out = super().tally(task)
        out.update(
            translations=len(judged),
            translations_pass=sum(v.passed for _, v in judged),
            drivers=len(drivers),
            drivers_accepted=sum(v.passed for _, v in drivers),
            rate_sum=ts.pass_rate(judged) if judged else 0.0,
            rated=bool(judged),
        )
        for c, v in judged:
            sum_into(out, {f"round:{c.round}:translations": 1, f"round:{c.round}:passed": v.passed})
        for c, v in drivers:
            sum_into(out, {f"round:{c.round}:drivers": 1, f"round:{c.round}:accepted": v.passed})
        return out

    def summarize(self, totals: Tally) -> dict[str, Any]:
        """The base counts plus per-round pass@1 and tester acceptance."""
        names = ("translations", "translations_pass", "drivers", "drivers_accepted")
        rounds = [
            {"round": r, **{k: int(totals.get(f"round:{r}:{k}", 0)) for k in ROUND_COUNTS}}
            for r in range(self.config.section(TranslationFlowConfig).rounds)
        ]
        return {
            **super().summarize(totals),
            **counts(totals, names),
            "mean_pass_rate": mean_rate(totals),
            "rounds": rounds,
        }
