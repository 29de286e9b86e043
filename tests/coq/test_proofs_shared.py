"""The shared proof pieces (verifiers/proofs): lexing, word rules, reinsertion, the item model."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from assay.schemas.records import Status
from assay.verifiers.proofs import (
    COQ,
    LEAN,
    LexError,
    ProofItem,
    Rule,
    StatementError,
    assemble,
    mask_strings,
    rulebook,
    scan_words,
    strip_comments,
    theorem_name,
    worst,
)


def test_coq_comments_nest_and_keep_line_numbers() -> None:
    text = "a (* one (* two *) still *) b\n(* x\ny *) c"
    out = strip_comments(text, COQ)
    assert "one" not in out and "still" not in out and out.count("\n") == 2
    assert out.split() == ["a", "b", "c"]


def test_coq_strings_inside_comments_hide_a_closing_delimiter() -> None:
    # Coq lexes strings in comments: the *) inside the string does not end the comment.
    out = strip_comments('(* "*)" Admitted. *) lia.', COQ)
    assert "Admitted" not in out and out.strip() == "lia."


def test_coq_paren_star_paren_opens_a_comment() -> None:
    assert strip_comments("(*) Admitted. *) lia.", COQ).strip() == "lia."


def test_strings_are_kept_but_masked_for_scanning() -> None:
    text = strip_comments('idtac "(* not a comment *) ""Qed"". Admitted.". lia.', COQ)
    assert "not a comment" in text  # a comment opener inside a string is text
    masked = mask_strings(text, COQ)
    assert len(masked) == len(text) and "Admitted" not in masked and "Qed" not in masked


@pytest.mark.parametrize("text", ["(* open", "(* (* *)", '"open', '(* "open *)'])
def test_unterminated_comments_and_strings_are_errors(text: str) -> None:
    with pytest.raises(LexError):
        strip_comments(text, COQ)


def test_lean_syntax_has_line_comments_and_backslash_escapes() -> None:
    out = strip_comments('by simp -- sorry\n/- /- sorry -/ -/ exact "\\"-- x"', LEAN)
    assert "sorry" not in out and '"\\"-- x"' in out


def test_rules_match_whole_words_only() -> None:
    book = rulebook([Rule("admit", Status.CHEAT, "skips"), Rule("Time", Status.REJECTED, "t")])
    found = scan_words("apply admit_lemma. admit.\nTime lia. Foo.admit.", book)
    assert [(p.status, p.line) for p in found] == [
        (Status.CHEAT, 1),
        (Status.REJECTED, 2),
        (Status.CHEAT, 2),
    ]
    assert worst(found) is Status.CHEAT
    with pytest.raises(ValueError, match="twice"):
        rulebook([Rule("a", Status.CHEAT, "x"), Rule("a", Status.CHEAT, "y")])
    with pytest.raises(ValueError, match="cheat or rejected"):
        Rule("a", Status.FAIL, "x")


def test_assembly_blames_lines_on_the_right_part() -> None:
    done = assemble("Require Import Lia.", "Theorem t : 1 = 1.", "a.\nb.", "Proof.", "Qed.", "t")
    assert done.text == "Require Import Lia.\nTheorem t : 1 = 1.\nProof.\na.\nb.\nQed.\n"
    assert [done.blame(n) for n in (1, 3, 4, 5, 6)] == [
        "trusted",
        "trusted",
        "proof",
        "proof",
        "closing",
    ]
    assert theorem_name("  Lemma foo' : True.", ["Theorem", "Lemma"]) == "foo'"
    with pytest.raises(StatementError):
        theorem_name("Definition x := 1.", ["Theorem"])


def test_item_model_keeps_extra_fields_and_needs_a_statement() -> None:
    item = ProofItem.model_validate(
        {"id": 1, "statement": "Theorem t : True.", "proof": "", "m": 2}
    )
    assert item.header == "" and item.model_extra == {"m": 2}
    with pytest.raises(ValidationError):
        ProofItem.model_validate({"id": 1, "statement": "", "proof": "x."})
