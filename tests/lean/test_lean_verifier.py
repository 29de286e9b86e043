"""LeanVerifier end to end over the stand-in REPL: planted good, wrong, hanging and cheating
proofs; no toolchain means `unsupported`; the JSONL path; the strict tier in the real sandbox.

The theorem answers are the real REPL's message shapes; `#print axioms` answers use Lean's
wording (`'NAME' depends on axioms: [...]`), written here because the transcripts have none.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from lean_standin import HERE, standin_argv

from assay.flows.verify import verify_file
from assay.schemas.records import Status
from assay.verifiers.lean import LeanConfig, LeanItem, LeanVerifier
from assay.verifiers.registry import get
from assay.verifiers.sandbox import Limits, ZygoteSandbox, open_sandbox

STATEMENT = "theorem good (x : Nat) : x + 0 = x := by sorry"
HEADER = "import Mathlib\nopen Nat"
ERROR = {"severity": "error", "pos": {"line": 1, "column": 36}, "endPos": {"line": 1, "column": 39}}


def axioms(name: str, listed: str) -> dict:
    data = (
        f"'{name}' depends on axioms: [{listed}]"
        if listed
        else f"'{name}' does not depend on any axioms"
    )
    return {
        "env": 0,
        "messages": [
            {
                "severity": "info",
                "pos": {"line": 1, "column": 0},
                "endPos": {"line": 1, "column": 6},
                "data": data,
            }
        ],
    }


RULES = [
    {"match": "#print axioms good\n", "response": axioms("good", "propext")},  # strict one-shot
    {"match": "#print axioms good", "response": axioms("good", "propext")},
    {"match": "#print axioms helper", "response": axioms("helper", "propext, sorryAx")},
    {"match": "#print axioms fast", "response": axioms("fast", "Lean.ofReduceBool")},
    {"match": "import", "response": {"env": 0}},
    {"match": "open Nat", "response": {"env": 0}},
    {"match": "by simp_arith", "response": {"env": 0}},
    {"match": "by omega_loop", "hang": True},
    {
        "match": "by rfl_wrong",
        "response": {
            "env": 0,
            "messages": [
                {
                    **ERROR,
                    "data": "type mismatch\n  rfl\nhas type\n  x = x : Prop\n"
                    "but is expected to have type\n  x + 0 = x + 1 : Prop",
                }
            ],
        },
    },
    {
        "match": "by exact hx",
        "response": {
            "env": 0,
            "sorries": [
                {
                    "proofState": 0,
                    "pos": {"line": 1, "column": 5},
                    "endPos": {"line": 1, "column": 10},
                    "goal": "⊢ False",
                }
            ],
        },
    },
]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[ZygoteSandbox]:
    with open_sandbox() as box:
        yield box


@pytest.fixture(scope="module")
def verifier() -> Iterator[LeanVerifier]:
    config = LeanConfig(project=HERE, command=standin_argv(RULES), search_path="/")
    v = LeanVerifier(config)
    yield v
    v.close()


LIMITS = Limits(wall_s=2.0)


def check(v: LeanVerifier, box: ZygoteSandbox, proof: str, statement: str = STATEMENT):  # type: ignore[no-untyped-def]
    return v.check(LeanItem(id="c", statement=statement, proof=proof, header=HEADER), box, LIMITS)


def test_good_proof_passes(verifier: LeanVerifier, sandbox: ZygoteSandbox) -> None:
    verdict = check(verifier, sandbox, "by simp_arith")
    assert verdict.status is Status.PASS, verdict.evidence
    assert verdict.evidence["axioms"] == ["propext"] and "rlimits" in verdict.isolation


def test_wrong_proof_fails(verifier: LeanVerifier, sandbox: ZygoteSandbox) -> None:
    verdict = check(verifier, sandbox, "by rfl_wrong")
    assert verdict.status is Status.FAIL and "type mismatch" in verdict.evidence["reason"]


def test_hanging_proof_times_out_and_pool_recovers(
    verifier: LeanVerifier, sandbox: ZygoteSandbox
) -> None:
    assert check(verifier, sandbox, "by omega_loop").status is Status.TIMEOUT
    assert check(verifier, sandbox, "by simp_arith").status is Status.PASS


@pytest.mark.parametrize(
    "proof",
    [
        "by sorry",
        "by\n  native_decide",
        "by exact?",
        "by decide +native",
        "by\n  #eval 1\n  rfl",
        "by simp\ntheorem good (x : Nat) : x + 0 = x := by simp",
        "by\n  run_tac pure ()",
        "by\n  set_option debug.skipKernelTC true in simp",
        "by\n  local instance : Foo := x",
        "by\n  admit",
        "by simp\naxiom cheat : False",
        "by apply?",
        "by\n  elab_rules : tactic | `(tactic| done) => pure ()",
        'by simp\nmacro "done" : tactic => `(tactic| sorry)',
        "by simp\n@[implemented_by id] def f : Nat := 0",
        "by simp\nunsafe def g : Nat := 0",
    ],
)
def test_static_cheats_never_reach_lean(
    verifier: LeanVerifier, sandbox: ZygoteSandbox, proof: str
) -> None:
    verdict = check(verifier, sandbox, proof)
    assert verdict.status is Status.CHEAT and verdict.evidence["rules"]
    assert verdict.isolation == ""  # rejected before any process ran it


def test_sorry_at_elaboration_and_bad_axioms_are_cheats(
    verifier: LeanVerifier, sandbox: ZygoteSandbox
) -> None:
    assert check(verifier, sandbox, "by exact hx").status is Status.CHEAT
    helper = check(verifier, sandbox, "by simp_arith", "theorem helper : True := by sorry")
    assert helper.status is Status.CHEAT and "sorryAx" in helper.evidence["reason"]
    fast = check(verifier, sandbox, "by simp_arith", "theorem fast : 2 + 2 = 4 := sorry")
    assert fast.status is Status.CHEAT and "Lean.ofReduceBool" in fast.evidence["reason"]


def test_comments_and_strings_do_not_trip_the_scan(
    verifier: LeanVerifier, sandbox: ZygoteSandbox
) -> None:
    proof = "by simp_arith -- no sorry here\n  /- admit /- nested -/ native_decide -/"
    assert check(verifier, sandbox, proof).status is Status.PASS


def test_no_toolchain_is_unsupported(sandbox: ZygoteSandbox, tmp_path: Path) -> None:
    default = get("lean")
    verdict = default.check(LeanItem(id=1, statement=STATEMENT, proof="by simp"), sandbox, LIMITS)
    assert verdict.status is Status.UNSUPPORTED and "no Lean project" in verdict.evidence["reason"]
    missing = LeanVerifier(
        LeanConfig(project=tmp_path, command=("lake-not-here",), search_path="/nope")
    )
    verdict = missing.check(LeanItem(id=1, statement=STATEMENT, proof="by simp"), sandbox, LIMITS)
    assert (
        verdict.status is Status.UNSUPPORTED
        and "needs a Lean 4 toolchain" in verdict.evidence["reason"]
    )


def test_bad_statement_is_rejected(verifier: LeanVerifier, sandbox: ZygoteSandbox) -> None:
    assert check(verifier, sandbox, "by simp", "def f := 1").status is Status.REJECTED


def test_strict_tier_rechecks_in_the_sandbox(sandbox: ZygoteSandbox) -> None:
    config = LeanConfig(
        project=HERE, command=standin_argv(RULES), search_path="/", strict=True, header_timeout_s=5
    )
    v = LeanVerifier(config)
    try:
        verdict = check(v, sandbox, "by simp_arith")
        assert verdict.status is Status.PASS, verdict.evidence
        assert verdict.evidence["strict_axioms"] == ["propext"]
        assert verdict.isolation == sandbox.isolation
    finally:
        v.close()


def test_jsonl_path(tmp_path: Path) -> None:
    rows = [
        {"id": "ok", "statement": STATEMENT, "proof": "by simp_arith", "header": HEADER, "k": 1},
        {"id": "bad", "statement": STATEMENT, "proof": "by rfl_wrong", "header": HEADER},
        {"id": "cheat", "statement": STATEMENT, "proof": "by sorry", "header": HEADER},
    ]
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    options = {"project": str(HERE), "command": list(standin_argv(RULES)), "search_path": "/"}
    verify_file("lean", src, dst, LIMITS, 2, options)  # as `assay verify lean` builds it
    out = {r["id"]: r for r in map(json.loads, dst.read_text().splitlines())}
    assert [out[k]["status"] for k in ("ok", "bad", "cheat")] == ["pass", "fail", "cheat"]
    assert out["ok"]["k"] == 1
