"""The Coq verifier end to end with the real coqc in the real sandbox: planted good, wrong,
hanging, memory-hungry and cheating proofs each get the right status."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from coq_cases import LIMITS, NAT_HEADER, NAT_STATEMENT

from assay.flows.verify import verify_file
from assay.schemas.records import Status, Verdict
from assay.verifiers.coq import CoqConfig, check, statement_compiles
from assay.verifiers.coq.build import checked_file, run
from assay.verifiers.coq.judge import judge
from assay.verifiers.jsonl import InputError
from assay.verifiers.sandbox import Limits, ZygoteSandbox

REALS = "Require Import Reals Lra.\nOpen Scope R_scope."
REAL_STATEMENT = "Theorem half : forall x : R, x / 2 + x / 2 = x."


def verdict(
    box: ZygoteSandbox,
    proof: str,
    header: str = NAT_HEADER,
    statement: str = NAT_STATEMENT,
    limits: Limits = LIMITS,
    config: CoqConfig | None = None,
) -> Verdict:
    return check("c", statement, proof, box, limits, header, config)


@pytest.mark.parametrize(
    "proof",
    [
        "intros. lia.",
        "Proof.\n  intros n.\n  induction n as [|n IH].\n"
        "  - reflexivity.\n  - simpl. now rewrite IH.\nQed.",
    ],
)
def test_a_real_proof_passes_closed(sandbox: ZygoteSandbox, proof: str) -> None:
    got = verdict(sandbox, proof)
    assert got.status is Status.PASS, got
    assert got.evidence["closed"] is True and got.tests_passed == got.tests_total == 1
    assert got.isolation and got.against == "statement"


def test_a_real_number_proof_passes_on_the_allowed_classical_axioms(sandbox: ZygoteSandbox) -> None:
    got = verdict(sandbox, "intros x. field.", header=REALS, statement=REAL_STATEMENT)
    assert got.status is Status.PASS, got
    assert "ClassicalDedekindReals.sig_forall_dec" in got.evidence["axioms"]
    strict = CoqConfig(allowed_axioms=frozenset({"Coq.Logic.Classical_Prop.classic"}))
    got = verdict(
        sandbox, "intros x. field.", header=REALS, statement=REAL_STATEMENT, config=strict
    )
    assert got.status is Status.FAIL and "outside the allowed set" in got.evidence["reason"]


@pytest.mark.parametrize(
    ("proof", "status"),
    [
        ("intros. reflexivity.", Status.FAIL),  # wrong tactic
        ("intros n.", Status.FAIL),  # incomplete
        ("", Status.FAIL),  # empty
        ("intros x h. rewrite h. lra.", Status.FAIL),  # a proof of a different theorem
        ("intros n. induction n as [|n IH] lia.", Status.COMPILE_ERROR),  # does not parse
    ],
)
def test_wrong_proofs_fail(sandbox: ZygoteSandbox, proof: str, status: Status) -> None:
    got = verdict(sandbox, proof)
    assert got.status is status, got
    assert got.evidence.get("part") in ("proof", "closing")


def test_a_hanging_tactic_times_out(sandbox: ZygoteSandbox) -> None:
    got = verdict(sandbox, "intros n. do 1000000000 idtac. lia.", limits=Limits(4, 2, 2048))
    assert got.status is Status.TIMEOUT, got


def test_a_huge_computation_hits_the_memory_limit(sandbox: ZygoteSandbox) -> None:
    proof = "intros n. pose (x := 2 ^ 26). vm_compute in x. lia."
    got = verdict(sandbox, proof, limits=Limits(60, 30, 700))
    assert got.status is Status.MEMORY, got


@pytest.mark.parametrize(
    "proof",
    [
        "intros. admit.",
        "Admitted.",
        "lia. Qed. Axiom cheat : forall n : nat, n + 0 = n.",
        "Theorem add_zero : forall n : nat, 0 + n = n. Proof. reflexivity. Qed.",
        "Fail lia. lia.",
    ],
)
def test_cheats_never_reach_coqc(sandbox: ZygoteSandbox, proof: str) -> None:
    got = verdict(sandbox, proof)
    assert got.status is Status.CHEAT, got
    assert got.tests_passed == 0 and not got.isolation  # refused before the sandbox ran


def test_the_audit_catches_an_admitted_theorem_if_the_screen_were_bypassed(
    sandbox: ZygoteSandbox,
) -> None:
    # Feed coqc an unscreened body that ends the proof early and opens another goal, so the
    # file compiles: assay's own audit still sees the theorem as an axiom.
    checked = checked_file(
        NAT_HEADER, NAT_STATEMENT, "admit.\nAdmitted.\nGoal True.\nexact I.", "add_zero"
    )
    got = judge(run(checked, sandbox, LIMITS, CoqConfig()), checked, CoqConfig(), NAT_HEADER)
    assert got.status is Status.CHEAT and "assumed" in got.reason, got


def test_the_audit_catches_disabled_checks(sandbox: ZygoteSandbox) -> None:
    header = (
        "Unset Guard Checking.\nFixpoint loop (n : nat) : False := loop n.\nSet Guard Checking."
    )
    got = verdict(sandbox, "exact (loop 0).", header=header, statement="Theorem f : False.")
    assert got.status is Status.CHEAT and "disabled checks" in got.evidence["reason"], got


def test_header_axioms_are_trusted_but_other_assumptions_are_not(sandbox: ZygoteSandbox) -> None:
    header = "Parameter f : nat -> nat.\nAxiom f_def : forall n, f n = n + 1."
    got = verdict(
        sandbox, "rewrite f_def. reflexivity.", header=header, statement="Theorem f1 : f 1 = 2."
    )
    assert got.status is Status.PASS and "Check.f_def" in got.evidence["axioms"], got


def test_a_broken_trusted_statement_is_unsupported(sandbox: ZygoteSandbox) -> None:
    got = verdict(sandbox, "intros. lia.", header="Require Import NoSuchLibrary.")
    assert got.status is Status.UNSUPPORTED and got.evidence["part"] == "trusted", got
    ok, _ = statement_compiles(NAT_HEADER, NAT_STATEMENT, sandbox, LIMITS)
    bad, log = statement_compiles("", "Theorem x : undefined_thing = 0.", sandbox, LIMITS)
    assert ok and not bad and "undefined_thing" in log


def test_coqchk_rechecks_the_compiled_proof(sandbox: ZygoteSandbox) -> None:
    got = verdict(sandbox, "intros. lia.", config=CoqConfig(coqchk=True))
    assert got.status is Status.PASS, got


def test_the_jsonl_path(tmp_path: Path, verify_lines: Callable[..., Any]) -> None:
    base = {"statement": NAT_STATEMENT, "header": NAT_HEADER}
    rows = [
        {"id": "good", "proof": "intros; lia.", "model": "m", **base},
        {"id": "wrong", "proof": "reflexivity.", **base},
        {"id": "admit", "proof": "admit.", **base},
    ]
    got, summary = verify_lines("coq", rows, LIMITS)
    assert [(r["id"], r["status"]) for r in got] == [
        ("good", "pass"),
        ("wrong", "fail"),
        ("admit", "cheat"),
    ]
    assert got[0]["model"] == "m" and summary.total == 3
    src = tmp_path / "bad.jsonl"
    src.write_text(json.dumps({**rows[0], "statement": "Theorem t : True. Proof."}) + "\n")
    with pytest.raises(InputError, match="statement"):
        verify_file("coq", src, tmp_path / "out.jsonl", LIMITS, jobs=1)
