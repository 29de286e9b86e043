"""What `assay run` prints after a proofs run: statements proved, pass rates, conjectures."""

from __future__ import annotations

from typing import Any

from assay.flows.engine.domain_flow import print_summary as print_lines


def print_summary(summary: Any) -> None:
    """`summary` is `runner.Summary` (state, counts, seconds)."""
    c = summary.counts
    rate = c["proofs_pass"] / c["proofs"] if c.get("proofs") else 0.0
    conj = [
        f"conjectures {c['conjectures']} proposed, {c['conjectures_filtered']} passed the "
        f"filter, {c['conjectures_kept']} kept (low but non-zero pass rate)"
    ][: 1 if c.get("conjectures") else 0]
    print_lines(
        summary,
        [
            f"statements  {c['statements']} ({c['statements_proved']} with a verified proof)",
            f"proofs      {c['proofs']} checked ({c['proofs_pass']} pass, {rate:.0%}; "
            f"{c['repairs']} repair attempts; mean per-statement pass rate "
            f"{c['mean_pass_rate']:.0%})",
            f"verdicts    {c['verdicts']} ({c['verdicts_pass']} pass)",
            *conj,
        ],
        [
            "SELECT name, attempts, passed, pass_rate FROM proof_pass_rates",
            "SELECT status, count(*) FROM proof_attempts GROUP BY ALL",
        ],
    )
