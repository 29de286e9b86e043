"""The Coq proof verifier: canonical statement + model proof body → a Verdict, cheapest first.

1. screen the body (comments, restatement, commands, forbidden words; `screen`);
2. rebuild the checked file from the trusted header and statement (`build`);
3. compile it with coqc in the sandbox, then audit the theorem's assumptions in a second, trusted
   coqc run (`judge`). See README.md for the rules and the threat model.
"""

from __future__ import annotations

import time
from typing import Any

from assay.schemas.records import Outcome, Status, Verdict
from assay.verifiers.coq import build
from assay.verifiers.coq.config import CoqConfig
from assay.verifiers.coq.judge import judge
from assay.verifiers.coq.screen import screen
from assay.verifiers.coq.statement import theorem_name
from assay.verifiers.proofs import COQ, LexError, StatementError, strip_comments
from assay.verifiers.sandbox import Limits, Sandbox


def check(
    candidate_id: str,
    statement: str,
    proof: str,
    sandbox: Sandbox,
    limits: Limits,
    header: str = "",
    config: CoqConfig | None = None,
) -> Verdict:
    """Check the model's `proof` of the trusted `statement` (under the trusted `header`)."""
    cfg = config or CoqConfig()
    start = time.perf_counter()

    def verdict(status: Status, reason: str, **kw: Any) -> Verdict:
        outcomes = kw.pop("outcomes", (Outcome("coq", status, reason),))
        return Verdict(
            candidate_id,
            "coq",
            status,
            tests_passed=int(status is Status.PASS),
            tests_total=1,
            outcomes=tuple(outcomes),
            duration_s=time.perf_counter() - start,
            evidence={"reason": reason, **kw.pop("evidence", {})},
            against="statement",
            **kw,
        )

    try:
        name = theorem_name(statement)
        trusted_header = strip_comments(header, COQ)
    except (StatementError, LexError) as exc:
        return verdict(Status.UNSUPPORTED, str(exc))
    screened = screen(proof, statement)
    if screened.status is not Status.PASS:
        outcomes = [Outcome(f"screen line {p.line}", p.status, p.reason) for p in screened.problems]
        return verdict(screened.status, screened.problems[0].reason, outcomes=outcomes)
    checked = build.checked_file(header, statement, screened.body, name)
    ex = build.run(checked, sandbox, limits, cfg)
    result = judge(ex, checked, cfg, trusted_header)
    tail = (ex.stderr + ex.stdout).decode(errors="replace")
    evidence = {"theorem": name, "sandbox_s": round(ex.duration_s, 4), **result.evidence}
    return verdict(
        result.status,
        result.reason,
        stderr_tail=tail[-2000:],
        isolation=ex.isolation,
        evidence=evidence,
    )
