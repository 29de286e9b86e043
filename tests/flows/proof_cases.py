"""Planted model answers for the proofs flow's default-tier tests (as verifier tests plant
candidates): a generator that returns fixed completions per statement and request kind, while
every check is the real one (coqc in the sandbox)."""

from __future__ import annotations

from pathlib import Path

from planted import Planted

from assay.flows.config import RunConfig, load_config
from assay.schemas.records import Task

ADD_OK = "intros n. lia."
DOUBLE_WRONG = "intros n. reflexivity."
DOUBLE_FIXED = "intros n. lia."
LEFT_CONJ = "Theorem add_zero_left : forall n : nat, 0 + n = n."
FALSE_CONJ = "Theorem add_one_same : forall n : nat, n + 1 = n."
BROKEN_CONJ = "Theorem broken : forall n : nat, n +* 0 = n."
TRIPLE_CONJ = "Theorem triple_is_sum : forall n : nat, 3 * n = n + n + n."
SNEAKY_CONJ = "Theorem sneaky : forall n : nat, n = n := ltac:(admit)."


def fence(text: str) -> str:
    return f"```coq\n{text}\n```"


# (theorem name, request kind) -> completions; a kind is the role's part of the request key.
PLANTED: dict[tuple[str, str], list[str]] = {
    ("add_zero_right", "prover"): [
        f"Here is the proof:\n{fence(f'Proof.{chr(10)}  {ADD_OK}{chr(10)}Qed.')}",
        fence("Theorem add_zero_right : forall n : nat, n + 0 = n.\nProof. admit. Qed."),
        "I do not know how to prove this.",  # nothing to extract: dropped
    ],
    ("double_is_sum", "prover"): [fence(DOUBLE_WRONG), fence("Proof.\nintros n. simpl.\n")],
    ("double_is_sum", "repair1"): [fence(f"Proof. {DOUBLE_FIXED} Qed.")],
    ("add_zero_right", "conjecture"): [fence(LEFT_CONJ), fence(FALSE_CONJ), fence(BROKEN_CONJ)],
    ("double_is_sum", "conjecture"): [fence(TRIPLE_CONJ), fence(SNEAKY_CONJ)],
    ("add_zero_left", "prover"): [
        fence("intros; lia."),
        fence("intros n. destruct n. reflexivity."),
    ],
    ("triple_is_sum", "prover"): [fence("intros; lia."), fence("intros. lia.")],
    ("lean_two", "prover"): ["```lean\nby norm_num\n```", "```lean\nby sorry\n```"],
    ("lean_two", "repair1"): ["```lean\nby simp\n```"],
}
LEAN_LINE = {
    "name": "lean_two",
    "prompt": "theorem lean_two : (1 : Nat) + 1 = 2 := by sorry",
    "entry_point": "lean_two",
    "setup": "import Mathlib",
    "meta": {"language": "lean"},
}


class PlantedGenerator(Planted):
    """Planted completions in place of a model, looked up by the statement a request's key
    names; `tasks` is the run's task list, which grows as conjectures pass their filter."""

    def __init__(self, tasks: list[Task] | None = None) -> None:
        super().__init__()
        self.tasks = tasks if tasks is not None else []

    def texts(self, task_id: str, kind: str) -> list[str]:
        names = {t.id: t.entry_point for t in self.tasks}
        return PLANTED[(names[task_id], kind)]


def config(dataset: Path, conjecture: bool = True) -> RunConfig:
    return load_config(
        None,
        [
            "domain=proofs",
            f"dataset={dataset}",
            "tasks=[{seed: proofs, limit: 2}]",
            "solver.n=3",
            "repair={rounds: 1, n: 1}",
            "select.strategy=all",
            "verify.pool=2",
            f"proofs.conjecture={{enabled: {str(conjecture).lower()}, n: 3, proofs: 2}}",
        ],
    )
