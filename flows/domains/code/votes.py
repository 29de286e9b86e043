"""Which model-written asserts count on a task with trusted tests and no reference.

With a reference, a tester's assert enters the pool only once it passes there. Without one, the
same evidence rule as for labels by agreement applies: the voters are the round-0 solutions that
pass every trusted test, each runs the trusted tests and every tester assert in one check
(`against = "votes"`), and an assert counts only when a strict majority of the voters pass it
(never when nobody voted). A wrong assert would otherwise veto every right solution, since a
verified solution passes the whole pool. Nothing here runs code.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from assay.flows.domains.code.pool import candidate_tests
from assay.schemas.records import Candidate, Status, Task, Verdict

VOTES = "votes"  # what a voter's check on the trusted tests and the tester asserts is against


def applies(task: Task) -> bool:
    """Trusted tests to pick the voters by, and no reference to validate asserts on instead."""
    return bool(task.tests) and not task.reference


def vote_tests(task: Task, testers: Sequence[Candidate]) -> list[str]:
    """What each voter runs: the trusted tests (in the task's order), then every distinct
    tester assert (in the order of their text, so the check is the same whichever tester
    answered first)."""
    trusted = list(dict.fromkeys(task.tests))
    asserts = sorted({code for code, _ in candidate_tests(list(testers))} - set(trusted))
    return trusted + asserts


def backed(task: Task, verdicts: Sequence[Verdict]) -> set[str]:
    """The asserts a strict majority of the voters pass; a voter is a solution whose check
    (outcomes named by their test) passed every trusted test."""
    trusted = set(task.tests)
    voters = []
    for v in verdicts:
        passed = {o.name for o in v.outcomes if o.status is Status.PASS}
        if trusted <= passed:
            voters.append(passed - trusted)
    counts = Counter(code for passed in voters for code in passed)
    return {code for code, n in counts.items() if 2 * n > len(voters)}
