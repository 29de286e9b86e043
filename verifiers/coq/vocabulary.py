"""Which Coq words a proof body may not contain, and why.

`BOOK` words are refused anywhere in the comment-free, string-masked body: none of them is a
tactic a proof needs, and each either skips the proof (`admit`, `Admitted`), assumes what it
should prove (`Axiom`), ends the proof early to add things (`Qed`), turns an error into success
(`Fail`), or reaches outside the file or the checker (`Redirect`, `Load`, `Declare`, `Unset`).
`HEAD_ONLY` words are refused as sentence heads only (`Set` is also the sort `Set`); `Set`
or `Unset` with `Guard`/`Positivity`/`Universe Checking` or `Nested Proofs` is cheating.
Any other command at a sentence head is refused as `rejected` by the screen's head rule.
"""

from __future__ import annotations

import re

from assay.schemas.records import Status
from assay.verifiers.proofs import Rule, rulebook

CHEAT, REJECTED = Status.CHEAT, Status.REJECTED

_GROUPS: list[tuple[Status, str, str]] = [
    (CHEAT, "skips the proof", "Admitted admit give_up Abort"),
    (
        CHEAT,
        "assumes instead of proving",
        "Axiom Axioms Parameter Parameters Conjecture Conjectures Hypothesis Hypotheses "
        "Variable Variables Context",
    ),
    (CHEAT, "ends or restarts the proof early", "Qed Defined Save Proof"),
    (
        CHEAT,
        "declares its own theorem or definition",
        "Theorem Lemma Fact Remark Corollary Proposition Property Example Goal Definition "
        "Fixpoint CoFixpoint Inductive CoInductive Instance Let Program Obligation Obligations",
    ),
    (CHEAT, "turns an error into success", "Fail Succeed"),
    (
        CHEAT,
        "reaches outside the proof or changes the checker",
        "Redirect Drop Load Cd Declare Add Remove Extraction Extract Reset Back BackTo Undo "
        "Restart",
    ),
    (
        CHEAT,
        "skips the type check",
        "exact_no_check vm_cast_no_check native_cast_no_check change_no_check",
    ),
    (REJECTED, "loads other code", "Require Import"),
    (REJECTED, "changes the environment", "Unset Local Global Export Module End Section"),
    (REJECTED, "wraps commands in timers", "Time Timeout"),
    (REJECTED, "runs the native compiler", "native_compute"),
]

BOOK = rulebook(Rule(w, st, reason) for st, reason, words in _GROUPS for w in words.split())
HEAD_ONLY = rulebook([Rule("Set", REJECTED, "changes a setting")])
# A Set/Unset sentence that names one of these switches off a check of the kernel or the
# proof: that is cheating, not just a refused command.
CHECK_SWITCHES = re.compile(r"\b(Checking|Nested)\b")
