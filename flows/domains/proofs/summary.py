"""What `assay run` prints after a proofs run: statements proved, pass rates, conjectures."""

from __future__ import annotations

import sys
from typing import Any

from assay.flows.output import samples_line


def print_summary(summary: Any) -> None:
    """`summary` is `runner.Summary` (state, counts, seconds)."""
    c = summary.counts
    rate = c["proofs_pass"] / c["proofs"] if c.get("proofs") else 0.0
    conj = (
        f"  conjectures {c['conjectures']} proposed, {c['conjectures_filtered']} passed the "
        f"filter, {c['conjectures_kept']} kept (low but non-zero pass rate)\n"
        if c.get("conjectures")
        else ""
    )
    ds = c["dataset"]
    sys.stdout.write(
        f"\nassay run {c['run_id']}: {summary.state} in {summary.seconds:.0f}s\n"
        f"  statements  {c['statements']} ({c['statements_proved']} with a verified proof)\n"
        f"  proofs      {c['proofs']} checked ({c['proofs_pass']} pass, {rate:.0%}; "
        f"{c['repairs']} repair attempts; mean per-statement pass rate "
        f"{c['mean_pass_rate']:.0%})\n"
        f"  verdicts    {c['verdicts']} ({c['verdicts_pass']} pass)\n"
        f"{conj}"
        f"{samples_line(c)}"
        f"  dataset     {ds}\n"
        f'\nTry:\n  assay sql "SELECT name, attempts, passed, pass_rate FROM proof_pass_rates" '
        f"--dataset {ds}\n"
        f'  assay sql "SELECT status, count(*) FROM proof_attempts GROUP BY ALL" --dataset {ds}\n'
    )
