"""The Coq screen without coqc: every refused construct, with its status, and what passes."""

from __future__ import annotations

import pytest

from assay.schemas.records import Status
from assay.verifiers.coq import screen, theorem_name
from assay.verifiers.coq.assumptions import allowed, header_declared, parse
from assay.verifiers.coq.config import STDLIB_CLASSICAL, CoqConfig
from assay.verifiers.coq.sentences import head, is_tactic_head, split
from assay.verifiers.proofs import COQ, StatementError, mask_strings

ST = "Theorem t : forall n : nat, n + 0 = n."

CHEATS = [
    "intros. admit.",
    "intros n. Admitted.",
    "intros; give_up.",
    "lia. Qed. Axiom ax : False.",
    "Axiom ax : forall n : nat, n + 0 = n. exact ax.",
    "Parameter p : False. destruct p.",
    "Fail lia.",
    "Succeed idtac.",
    'Redirect "out" Print t.',
    'Load "evil.v".',
    'Cd "/tmp".',
    'Declare ML Module "evil".',
    'Add LoadPath "/tmp" as Evil.',
    'Extraction "x.ml" t.',
    "Drop.",
    "Unset Guard Checking. lia.",
    "Set Nested Proofs Allowed. lia.",
    "#[local] Unset Universe Checking. lia.",
    "exact_no_check I.",
    "intros. vm_cast_no_check (eq_refl 0).",
    "Abort. Theorem t : True. Proof. exact I.",
    "Theorem t : True. Proof. exact I. Qed.",  # a changed statement
    "- Admitted.",
    "1: { Admitted. }",
    "intros. } Qed.",
    "lia.Qed. Axiom x : False.",
    "intros n. Restart. lia.",
    "intros n.\u00a0Admitted.",
]
REJECTS = [
    "Require Import Psatz. lia.",
    "Time lia.",
    "Timeout 5 lia.",
    "Search nat.",
    "Check t.",
    "#[local] Hint Resolve plus_n_O : core. auto.",
    "Ltac go := lia. go.",
    "Opaque Nat.add. lia.",
    "intros. native_compute. lia.",
    "Local Open Scope nat_scope. lia.",
    "Set Printing All. lia.",
    "Unset Printing Notations. lia.",
]
ACCEPTS = [
    "intros. lia.",
    "Proof. intros n. lia. Qed.",
    "Proof.\n  intros n.\n  induction n as [|n IH].\n"
    "  - reflexivity.\n  - simpl. rewrite IH. reflexivity.\nQed.",
    "(* Admitted. Qed. (* nested *) Axiom *) intros; lia.",
    'intros. idtac "Admitted. Qed. Axiom". lia.',
    "intros n. 1: { lia. }",
    "all: intros; lia.",
    "intros n; exact (f_equal (fun x : nat => x) (eq_sym (plus_n_O n))).",
    "Theorem t : forall n : nat,\n  n + 0 = n.\nProof. lia. Qed.",  # identical restatement
    "intros n. assert (H : Set = Set) by reflexivity. lia.",
    "intros n; lia...",
]


@pytest.mark.parametrize("proof", CHEATS)
def test_cheats_are_refused_as_cheat(proof: str) -> None:
    got = screen(proof, ST)
    assert got.status is Status.CHEAT, got


@pytest.mark.parametrize("proof", REJECTS)
def test_commands_are_rejected(proof: str) -> None:
    got = screen(proof, ST)
    assert got.status is Status.REJECTED, got


@pytest.mark.parametrize("proof", ACCEPTS)
def test_tactic_proofs_go_on_to_coqc(proof: str) -> None:
    got = screen(proof, ST)
    assert got.status is Status.PASS, got
    code = mask_strings(got.body, COQ)
    assert "Proof" not in code and "Qed" not in code and "Theorem" not in code


def test_unterminated_proofs_and_comments_do_not_compile() -> None:
    assert screen("intros; lia", ST).status is Status.COMPILE_ERROR
    assert screen("intros. (* lia.", ST).status is Status.COMPILE_ERROR


def test_problems_carry_the_line_of_the_original_proof() -> None:
    got = screen("(* a\n b *)\nintros.\nadmit.", ST)
    assert [p.line for p in got.problems] == [4]


def test_sentences_split_only_at_a_dot_before_a_blank() -> None:
    text = "rewrite Nat.add_0_r. exact (x.(f)). lra.\n- auto"
    assert [s.text.strip() for s in split(text)] == [
        "rewrite Nat.add_0_r.",
        "exact (x.(f)).",
        "lra.",
        "- auto",
    ]
    assert head("  - + { 2-3, 5: [H]: intros") == "intros"
    assert not is_tactic_head("} Admitted.") and is_tactic_head("{ (lia).")


def test_statement_must_be_one_named_theorem() -> None:
    assert theorem_name("(* c *) Theorem foo (n : nat) : n = n.") == "foo"
    for bad in ["Theorem t : True. Proof.", "Theorem t : True", "Definition d := 1.", "(* x"]:
        with pytest.raises(StatementError):
            theorem_name(bad)


def test_audit_output_is_parsed_and_judged() -> None:
    closed = parse("Closed under the global context\n")
    assert closed is not None and closed.closed
    out = (
        "Warning: while loading\nAxioms:\nCheck.f is assumed to be guarded.\nCheck.hdr : 1 = 1\n"
        "ClassicalDedekindReals.sig_forall_dec\n  : forall P : nat -> Prop,\n    P 0\n"
    )
    got = parse(out)
    assert got is not None and not got.closed
    assert got.axioms == ["Check.hdr", "ClassicalDedekindReals.sig_forall_dec"]
    assert got.unsafe == ["Check.f is assumed to be guarded."]
    assert parse("Error: no such theorem") is None
    assert allowed("ClassicalDedekindReals.sig_forall_dec", STDLIB_CLASSICAL)
    assert not allowed("sig_forall_dec", STDLIB_CLASSICAL)  # too short to be sure
    assert not allowed("Check.classic", STDLIB_CLASSICAL)
    assert header_declared("Axiom a : nat. Parameters (b : nat) (c : R). Parameters d e : R.") == {
        "Check.a",
        "Check.b",
        "Check.c",
        "Check.d",
        "Check.e",
    }
    with pytest.raises(ValueError, match="fully qualified"):
        CoqConfig(allowed_axioms=frozenset({"classic"}))
