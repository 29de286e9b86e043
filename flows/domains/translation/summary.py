"""What `assay run` prints after a translation run: pass@1 and tester acceptance per round."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from assay.flows.output import samples_line

if TYPE_CHECKING:
    from assay.flows.runner import Summary


def print_summary(summary: Summary) -> None:
    """The run's totals, then pass@1 and tester acceptance round by round."""
    c = summary.counts
    rate = c["translations_pass"] / c["translations"] if c.get("translations") else 0.0
    took = c["drivers_accepted"] / c["drivers"] if c.get("drivers") else 0.0
    rounds = "".join(
        f"  round {r['round']}     {r['passed']}/{r['translations']} translations pass, "
        f"{r['accepted']}/{r['drivers']} model tests accepted\n"
        for r in c.get("rounds", [])
    )
    ds = c["dataset"]
    sys.stdout.write(
        f"\nassay run {c['run_id']}: {summary.state} in {summary.seconds:.0f}s\n"
        f"  tasks       {c['tasks']} ({c['tasks_solved']} with a verified sample)\n"
        f"  translations {c['translations']} checked ({c['translations_pass']} pass, {rate:.0%}; "
        f"mean per-task pass rate {c['mean_pass_rate']:.0%})\n"
        f"  model tests {c['drivers']} ({c['drivers_accepted']} validated on the source, "
        f"{took:.0%})\n"
        f"{rounds}"
        f"  verdicts    {c['verdicts']} ({c['verdicts_pass']} pass)\n"
        f"{samples_line(c)}"
        f"  dataset     {ds}\n"
        f'\nTry:\n  assay sql "SELECT * FROM translation_rounds" --dataset {ds}\n'
        f'  assay sql "SELECT round, accepted, left(reason, 80) FROM translation_tests" '
        f"--dataset {ds}\n"
    )
