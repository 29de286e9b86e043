"""The proofs flow's parts: role prompts, extraction from completions, the conjecture filter's
pure pieces, the miniF2F importers, config and the bundled seeds."""

from __future__ import annotations

from pathlib import Path

import pytest

from assay.flows.config import ConfigError, load_config
from assay.flows.domains import get
from assay.flows.domains.proofs import conjecture as pc
from assay.flows.domains.proofs import flow
from assay.flows.domains.proofs.extract import coq_proof, coq_statement, lean_proof
from assay.flows.domains.proofs.importers import ProofImportError, parse_lean
from assay.flows.domains.proofs.stages import ProofTaskError, check_tasks
from assay.flows.roles import get_role
from assay.flows.runner import flow_for
from assay.flows.seeds import load_seed_tasks
from assay.flows.sources import TaskFileError, load_tasks
from assay.schemas.records import Status, Task, Verdict
from assay.verifiers.coq import screen, theorem_name
from assay.workers.api import Sampling

BENCH = Path(__file__).resolve().parents[2].parent / "shared" / "benchmarks"
HEADER = "From Coq Require Import Lia."
STATEMENT = "Theorem add_zero_right : forall n : nat, n + 0 = n."
TASK = Task("proofs", "t", "add_zero_right", STATEMENT, "add_zero_right", setup=HEADER,
            meta={"language": "coq"})  # fmt: skip
LEAN_TASK = Task("proofs", "t", "two", "theorem two : 1 + 1 = 2 := by sorry", "two",
                 setup="import Mathlib", meta={"language": "lean"})  # fmt: skip


@pytest.mark.parametrize(
    ("completion", "body"),
    [
        ("```coq\nProof.\n  intros n. lia.\nQed.\n```", "intros n. lia."),
        (f"Sure!\n```coq\n{HEADER}\n{STATEMENT}\nProof. lia. Qed.\n```\nDone.", "lia."),
        ("```\nintros. (* try *) lia.\n```", "intros.   lia."),
        ("```coq\nintros n.\ninduction n; simpl; auto.\nQed.\nTheorem extra : True.\n```",
         "intros n.\ninduction n; simpl; auto."),
        ("```coq\nProof. intros. admit.\nAdmitted.\n```", "intros. admit.\nAdmitted."),
        ("intros n. lia.", "intros n. lia."),  # unfenced tactics
        ("I cannot prove this. Sorry.", None),  # unfenced prose
        ("Proof. By reflexivity, we have n = n.\nQed.", "By reflexivity, we have n = n."),
        ("```coq\nQed.\n```", None),
        ("```python\nprint(1)\n```", "print(1)"),  # a mislabelled block still goes to the screen
    ],
)  # fmt: skip
def test_coq_proof_extraction(completion: str, body: str | None) -> None:
    assert coq_proof(completion) == body


def test_coq_statement_extraction() -> None:
    text = (
        "New one:\n```coq\nRequire Import Lia.\nLemma l (n : nat) : n <= n + 1.\n"
        "Proof. lia. Qed.\n```"
    )
    assert coq_statement(text) == "Lemma l (n : nat) : n <= n + 1."
    assert coq_statement("```coq\nintros. lia.\n```") is None


@pytest.mark.parametrize(
    ("completion", "body"),
    [
        ("```lean\ntheorem two : 1 + 1 = 2 := by\n  norm_num\n```", "by\n  norm_num"),
        ("```lean4\nby decide\n```", "by decide"),
        ("```lean\nimport Mathlib\nnorm_num\n```", "by\n  norm_num"),
        ("```lean\n```", None),
    ],
)
def test_lean_proof_extraction(completion: str, body: str | None) -> None:
    assert lean_proof(completion) == body


def test_prover_repairer_conjecturer_prompts() -> None:
    sampling = Sampling(n=2)
    prove = get_role("proofs", "prover").build(TASK, sampling, key="k")
    user = prove.messages[-1]["content"]
    assert HEADER in user and STATEMENT in user and "```coq" in user and prove.sampling.n == 2
    reason = "coqc rejected the proof: Error: Unable to unify"
    tail = 'File "./Check.v", line 4'
    verdict = Verdict("c", "coq", Status.FAIL, evidence={"reason": reason}, stderr_tail=tail)
    repairer = get_role("proofs", "repairer")
    fix = repairer.build(TASK, sampling, "k", failing="reflexivity.", verdict=verdict)
    text = fix.messages[-1]["content"]
    assert "reflexivity." in text and "Unable to unify" in text and "line 4" in text
    with pytest.raises(ValueError, match="failing"):
        get_role("proofs", "repairer").build(TASK, sampling, "k")
    conj = get_role("proofs", "conjecturer").build(TASK, sampling, "k", proof="lia.")
    assert (
        "and its proof" in conj.messages[-1]["content"] and "lia." in conj.messages[-1]["content"]
    )
    lean = get_role("proofs", "prover").build(LEAN_TASK, sampling, "k").messages[-1]["content"]
    assert "```lean" in lean and "theorem two" in lean
    with pytest.raises(ValueError, match="Coq"):
        get_role("proofs", "conjecturer").build(LEAN_TASK, sampling, "k")


def test_conjecture_negation_and_screen() -> None:
    assert pc.proposition("Lemma l (x y : nat) {z : nat} : x + y = y + x.") == (
        "forall (x y : nat) {z : nat}, x + y = y + x"
    )
    assert pc.negation(STATEMENT) == ("Theorem assay_negation : ~ (forall n : nat, n + 0 = n).")
    theorem_name(pc.negation(STATEMENT))  # a canonical statement the verifier accepts
    assert screen(pc.NEGATION_PROOF, pc.negation(STATEMENT)).status is Status.PASS
    for bad in (
        "Theorem t : True. Admitted.",
        "Theorem t : forall n : nat, n = n := ltac:(admit).",
        "Theorem t : ltac:(exact True).",
        "Theorem t : Axiom = True.",
        "forall n, n = n.",
    ):
        with pytest.raises(pc.ConjectureError):
            pc.screened(bad)


def test_config_for_proofs() -> None:
    cfg = load_config(None, ["domain=proofs"])
    assert cfg.proofs.backend == "coq" and not cfg.proofs.conjecture.enabled
    assert cfg.verify.limits.memory_mb >= 1024  # coqc does not start in 512 MiB
    assert [s.seed for s in cfg.tasks] == ["proofs"]
    code = load_config(None, [])
    assert code.verify.limits.memory_mb == 512
    assert load_config(None, ["proofs.backend=lean"]).id == code.id  # not hashed for code
    assert load_config(None, ["domain=proofs", "proofs.backend=lean"]).id != cfg.id
    with pytest.raises(ConfigError, match="proofs"):
        load_config(None, ["domain=proofs", "proofs={backend: lean, conjecture: {enabled: true}}"])
    with pytest.raises(ConfigError, match="minif2f-coq"):
        load_config(None, ["tasks=[{file: x, format: minif2f-coq}]"])  # domain code


def test_backend_must_fit_the_statements() -> None:
    check_tasks([TASK], "coq")
    with pytest.raises(ProofTaskError, match="add_zero_right"):
        check_tasks([TASK], "lean")
    flow.check_tasks([TASK], load_config(None, ["domain=proofs"]))
    with pytest.raises(TaskFileError, match="add_zero_right"):
        flow.check_tasks([TASK], load_config(None, ["domain=proofs", "proofs.backend=lean"]))


def test_the_registry_runs_the_proofs_flow_with_the_backend_as_verifier() -> None:
    cfg = load_config(None, ["domain=proofs"])
    assert get(cfg.domain).flow() is flow and flow_for(cfg).name == "assay-proofs"
    assert flow.verifier(cfg) == ("coq", None)
    lean = load_config(None, ["domain=proofs", "proofs.backend=lean"])
    assert flow.verifier(lean) == ("lean", lean.proofs.lean.options())
    with pytest.raises(TaskFileError, match="unknown proofs format 'minif2f-isabelle'"):
        flow.load(Path("."), "minif2f-isabelle")


def test_seed_statements_are_coq_with_reference_proofs() -> None:
    seeds = load_seed_tasks("proofs")
    assert len(seeds) >= 8 and len({t.id for t in seeds}) == len(seeds)
    for t in seeds:
        assert theorem_name(t.prompt) == t.entry_point and t.meta["language"] == "coq"
        assert screen(t.reference, t.prompt).status is Status.PASS


def test_parse_lean_file() -> None:
    text = "import Mathlib\n\nopen Real\n\n/-- doc -/\ntheorem t (x : ℝ) : x = x := by sorry"
    task = parse_lean(text, "/x/Valid/t.lean")
    assert (task.name, task.setup, task.source) == (
        "t",
        "import Mathlib\n\nopen Real\n\n/-- doc -/",
        "minif2f-lean/valid",
    )
    assert task.prompt.startswith("theorem t") and task.meta["language"] == "lean"
    with pytest.raises(ProofImportError, match="no `theorem`"):
        parse_lean("import Mathlib\n", "/x/a.lean")


def test_minif2f_importers_read_the_benchmarks() -> None:
    rocq, lean = BENCH / "minif2f-rocq", BENCH / "minif2f-lean4" / "MiniF2F"
    if not rocq.is_dir() or not lean.is_dir():
        pytest.skip(f"miniF2F benchmarks not found under {BENCH}")
    coq = flow.load(rocq / "valid", "minif2f-coq")
    assert len(coq) == len(list((rocq / "valid").glob("*.v")))
    assert all(theorem_name(t.prompt) == t.name for t in coq)
    assert all(t.setup.startswith("From Coq Require Import Lia") for t in coq)
    test = flow.load(lean / "Test", "minif2f-lean")
    assert len(test) == len(list((lean / "Test").glob("*.lean")))
    assert all(
        t.setup.startswith("import Mathlib") and t.prompt.startswith("theorem") for t in test
    )
    with pytest.raises(TaskFileError, match="one split"):
        flow.load(rocq, "minif2f-coq")
    cfg = load_config(
        None,
        [
            "domain=proofs",
            f"tasks=[{{file: {lean / 'Valid'}, format: minif2f-lean, limit: 3}}]",
            "proofs.backend=lean",
        ],
    )
    assert [t.meta["language"] for t in load_tasks(cfg)] == ["lean"] * 3


@pytest.mark.slow
def test_every_seed_reference_passes_coq_and_a_wrong_proof_fails() -> None:
    from assay.verifiers.coq import check
    from assay.verifiers.sandbox import Limits, open_sandbox

    limits = Limits(wall_s=30, cpu_s=20, memory_mb=2048)
    with open_sandbox() as sandbox:
        for t in load_seed_tasks("proofs"):
            good = check(t.name, t.prompt, t.reference, sandbox, limits, t.setup)
            assert good.status is Status.PASS, (t.name, good.evidence)
            wrong = check(t.name, t.prompt, "idtac.", sandbox, limits, t.setup)
            assert wrong.status is Status.FAIL, (t.name, wrong.evidence)
