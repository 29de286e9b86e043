"""Reading proofs and conjectures back from model completions (Coq and Lean 4).

Extraction only trims: it picks the fenced block, drops a restated header or theorem and the
`Proof.`/`Qed.` wrapper, and cuts at the first `Qed.`. Everything else (an `admit`, a command,
a second theorem) is left in, so that the verifier's screen judges it and the verdict records it.
Nothing here runs model output.
"""

from __future__ import annotations

import re

from assay.flows.roles.fences import blocks_in, fenced_blocks
from assay.verifiers.coq.sentences import THEOREM_KEYWORDS, head_word, is_tactic_head, split
from assay.verifiers.lean.source import blank
from assay.verifiers.proofs import COQ, LexError, mask_strings, strip_comments

COQ_LANGS = frozenset({"coq", "rocq", "v", "coq-proof", "gallina", ""})
LEAN_LANGS = frozenset({"lean", "lean4", ""})
_PREAMBLE = frozenset({"Require", "From", "Import", "Export", "Open", "Proof"})
_ENDS = ("Qed.", "Defined.")
_LEAN_DECL = re.compile(r"^\s*(?:theorem|lemma|example)\b", re.M)
_LEAN_HEADER = re.compile(r"^\s*(?:import|open|set_option|namespace|section)\b")
_TACTIC_WORDS = (
    "intro intros simp norm_num omega linarith nlinarith exact apply rw rfl induction cases "
    "rcases constructor decide ring ring_nf field_simp positivity aesop unfold use refine have "
    "calc obtain subst trivial tauto push_cast interval_cases"
)
_LEAN_TACTICS = frozenset(_TACTIC_WORDS.split(" "))


def _texts(completion: str, langs: frozenset[str]) -> list[str]:
    """Candidate texts: the blocks in one of `langs`, else any block, else the whole reply."""
    blocks = blocks_in(completion, langs) or [b.body for b in fenced_blocks(completion)]
    return blocks or [completion]


def _coq_sentences(text: str) -> tuple[str, list]:
    try:
        code = strip_comments(text, COQ)
        return code, split(mask_strings(code, COQ))
    except LexError:
        return text, split(text)  # an unterminated comment: let the verifier's screen say so


def coq_proof(completion: str) -> str | None:
    """The proof body of a Coq completion (no `Proof.`/`Qed.`), or None when there is none."""
    fenced = bool(fenced_blocks(completion))  # unmarked prose is not taken for a proof
    for text in _texts(completion, COQ_LANGS):
        code, sentences = _coq_sentences(text)
        first = 0
        while first < len(sentences) and (
            head_word(sentences[first].text) in _PREAMBLE | set(THEOREM_KEYWORDS)
        ):
            first += 1
        last = first
        while last < len(sentences) and " ".join(sentences[last].text.split()) not in _ENDS:
            last += 1
        wrapped = last < len(sentences) or any(
            head_word(s.text) == "Proof" for s in sentences[:first]
        )  # the reply marked it as a proof itself
        if last > first and (fenced or wrapped or is_tactic_head(sentences[first].text)):
            body = code[sentences[first].start : sentences[last - 1].end]
            lines = [line.rstrip() for line in body.splitlines() if line.strip()]  # comments gone
            if lines:
                return "\n".join(lines).strip()
    return None


def coq_statement(completion: str) -> str | None:
    """The first `Theorem`/`Lemma`/... sentence of a completion (a conjecture), or None."""
    for text in _texts(completion, COQ_LANGS):
        code, sentences = _coq_sentences(text)
        for sentence in sentences:
            if head_word(sentence.text) in THEOREM_KEYWORDS and sentence.terminated:
                return code[sentence.start : sentence.end].strip()
    return None


def lean_proof(completion: str) -> str | None:
    """What follows `:=` in a Lean 4 completion (a `by` block or a term), or None."""
    for text in _texts(completion, LEAN_LANGS):
        code = blank(text)
        decl = _LEAN_DECL.search(code)
        if decl:
            assign = code.find(":=", decl.end())
            body = text[assign + 2 :] if assign >= 0 else ""
        else:
            lines = text.splitlines()
            kept = [i for i, line in enumerate(lines) if not _LEAN_HEADER.match(line)]
            body = "\n".join(lines[kept[0] :]) if kept else ""
        body = body.strip()
        if not body:
            continue
        word = re.match(r"[\w.]+", body)
        if not body.startswith("by") and word and word.group() in _LEAN_TACTICS:
            body = "by\n  " + body.replace("\n", "\n  ")
        return body
    return None
