"""Proof-domain roles: prover, repairer (APOLLO-style: the failing proof and the checker's own
error message → a new attempt) and conjecturer (STP-style: a new statement related to a seed).

A task's `prompt` is the canonical statement, `setup` its trusted header and `meta["language"]`
`coq` or `lean`; the wording per language is plain data in `PROMPTS`. Prompts stay short: they
must work with small instruct models.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assay.flows.domains.proofs.extract import coq_proof, coq_statement, lean_proof
from assay.flows.roles import RoleSpec, register
from assay.flows.roles.repair import repairer
from assay.schemas.records import Status, Task, Verdict
from assay.workers.api import Request, Sampling

DOMAIN = "proofs"
ERROR_CHARS = 700  # of the checker's output shown to the repairer


@dataclass(frozen=True)
class Prompts:
    system: str
    prover: str
    repairer: str
    conjecturer: str
    fence: str


COQ = Prompts(
    system="You are an expert in the Coq proof assistant. Reply with Coq in one ```coq block.",
    prover=(
        "Prove this Coq theorem. Reply with only the proof script, from `Proof.` to `Qed.`, "
        "in one ```coq block, like this:\n```coq\nProof.\n  (* Coq tactics *)\nQed.\n```\n"
        "Useful tactics: intros, simpl, reflexivity, lia, nia, induction, rewrite, auto.\n\n"
        "The theorem:\n```coq\n{context}\n```"
    ),
    repairer=(
        "This proof of a Coq theorem is rejected by coqc.\n\n```coq\n{context}\nProof.\n"
        "{failing}\nQed.\n```\n\n{report}\n\nWrite a corrected proof. Reply with only the proof "
        "script, from `Proof.` to `Qed.`, in one ```coq block."
    ),
    conjecturer=(
        "Here is a Coq theorem{with_proof}:\n\n```coq\n{context}{proof}\n```\n\nState one new "
        "theorem related to it: a variation, special case or generalization that is true and a "
        "little harder. Use only what the statement above uses. Reply with only the new "
        "statement, `Theorem new_name : ... .`, in one ```coq block, without a proof."
    ),
    fence="coq",
)
LEAN = Prompts(
    system="You are an expert in Lean 4 and Mathlib. Reply with Lean in one ```lean block.",
    prover=(
        "Complete this Lean 4 theorem. Reply with only the proof that follows `:=`, starting "
        "with `by`, in one ```lean block.\n\n```lean\n{context}\n```"
    ),
    repairer=(
        "This proof of a Lean 4 theorem is rejected by Lean.\n\n```lean\n{context}\n{failing}\n"
        "```\n\n{report}\n\nWrite a corrected proof. Reply with only the proof that follows "
        "`:=`, starting with `by`, in one ```lean block."
    ),
    conjecturer="",  # conjectures are Coq-only (config refuses them for lean)
    fence="lean",
)
HINTS = {
    Status.FAIL: "The checker rejects it.",
    Status.COMPILE_ERROR: "It does not parse.",
    Status.TIMEOUT: "It runs too long.",
    Status.MEMORY: "It uses too much memory.",
    Status.CHEAT: "It uses a forbidden command or skips part of the proof.",
    Status.REJECTED: "It uses a command that is not a tactic.",
}


def language(task: Task) -> str:
    return str(task.meta.get("language", "coq"))


def prompts_for(task: Task) -> Prompts:
    return LEAN if language(task) == "lean" else COQ


def context(task: Task) -> str:
    """The trusted header and the statement, as the checker will see them."""
    return "\n\n".join(x for x in (task.setup.strip(), task.prompt.strip()) if x)


def _messages(task: Task, user: str) -> tuple[dict[str, str], ...]:
    return (
        {"role": "system", "content": prompts_for(task).system},
        {"role": "user", "content": user},
    )


def failure_report(verdict: Verdict) -> str:
    """The checker's own words: the status, its reason, and the end of coqc's/Lean's output."""
    reason = str(verdict.evidence.get("reason", "")).strip()
    lines = [HINTS.get(verdict.status, f"The check ended with status {verdict.status.value}.")]
    if reason:
        lines.append(f"Checker: {reason[:400]}")
    tail = verdict.stderr_tail.strip()
    if tail and tail not in reason:
        lines.append("Output:\n" + tail[-ERROR_CHARS:])
    return "\n".join(lines)


def build_prover(task: Task, sampling: Sampling, key: str, **_: Any) -> Request:
    """Ask for a proof of the task's statement."""
    return Request(
        key, _messages(task, prompts_for(task).prover.format(context=context(task))), sampling
    )


def _repair_messages(
    task: Task, failing: str, verdict: Verdict | None, **_: Any
) -> tuple[dict[str, str], ...]:
    """A new attempt, shown the failing proof and the checker's error."""
    report = failure_report(verdict) if verdict is not None else "The checker rejects it."
    user = prompts_for(task).repairer.format(context=context(task), failing=failing, report=report)
    return _messages(task, user)


build_repairer = repairer("proof", _repair_messages)


def build_conjecturer(
    task: Task, sampling: Sampling, key: str, proof: str = "", **_: Any
) -> Request:
    """Ask for one new statement related to the seed (shown with its proof when one passed)."""
    if language(task) != "coq":
        raise ValueError("conjecturer: conjectures are supported for Coq statements only")
    shown = f"\nProof.\n{proof.strip()}\nQed." if proof.strip() else ""
    user = COQ.conjecturer.format(
        with_proof=" and its proof" if shown else "", context=context(task), proof=shown
    )
    return Request(key, _messages(task, user), sampling)


def extract_proof(text: str, task: Task) -> str | None:
    return lean_proof(text) if language(task) == "lean" else coq_proof(text)


def extract_statement(text: str, task: Task) -> str | None:
    return coq_statement(text)


PROVER = register(RoleSpec(DOMAIN, "prover", build_prover, extract_proof))
REPAIRER = register(RoleSpec(DOMAIN, "repairer", build_repairer, extract_proof))
CONJECTURER = register(RoleSpec(DOMAIN, "conjecturer", build_conjecturer, extract_statement))
