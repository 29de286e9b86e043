"""What `assay run` prints after a translation run: pass@1 and tester acceptance per round."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assay.flows.engine.domain_flow import print_summary as print_lines

if TYPE_CHECKING:
    from assay.flows.runner import Summary


def print_summary(summary: Summary) -> None:
    """The run's totals, then pass@1 and tester acceptance round by round."""
    c = summary.counts
    rate = c["translations_pass"] / c["translations"] if c.get("translations") else 0.0
    took = c["drivers_accepted"] / c["drivers"] if c.get("drivers") else 0.0
    rounds = [
        f"round {r['round']}     {r['passed']}/{r['translations']} translations pass, "
        f"{r['accepted']}/{r['drivers']} model tests accepted"
        for r in c.get("rounds", [])
    ]
    print_lines(
        summary,
        [
            f"tasks       {c['tasks']} ({c['tasks_solved']} with a verified sample)",
            f"translations {c['translations']} checked ({c['translations_pass']} pass, "
            f"{rate:.0%}; mean per-task pass rate {c['mean_pass_rate']:.0%})",
            f"model tests {c['drivers']} ({c['drivers_accepted']} validated on the source, "
            f"{took:.0%})",
            *rounds,
            f"verdicts    {c['verdicts']} ({c['verdicts_pass']} pass)",
        ],
        [
            "SELECT * FROM translation_rounds",
            "SELECT round, accepted, left(reason, 80) FROM translation_tests",
        ],
    )
