"""The proofs flow's stages on real parts: real coqc in the sandbox, the real store, the DuckDB
views, resume by run id. Model answers are planted in the default tier (`proof_cases`); the
slow test runs `assay run` on the real SmolLM2-135M with real Coq."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from proof_cases import (
    ADD_OK,
    DOUBLE_FIXED,
    DOUBLE_WRONG,
    LEAN_LINE,
    LEFT_CONJ,
    TRIPLE_CONJ,
    PlantedGenerator,
    config,
)
from small_model_run import judged_once, rates_agree, rerun_commits_nothing, run_small_model

from assay.flows.config import load_config
from assay.flows.dataset import query
from assay.flows.domains.proofs import flow
from assay.flows.domains.proofs.state import ProofState
from assay.flows.engine.compute import Compute
from assay.flows.engine.rounds import pending, run_programs
from assay.flows.progress import Progress
from assay.workers.api import Completion, Request

pytestmark = pytest.mark.skipif(
    subprocess.run(["which", "coqc"], capture_output=True).returncode != 0,
    reason="needs coqc (apt-get install -y coq)",
)


def _sql(dataset: Path, sql: str) -> list[dict]:
    return query(dataset, sql).to_pylist()


def _drive(state: ProofState) -> PlantedGenerator:
    """Every pending seed's program through the engine, in this process, with the run's own
    verifier (`flow.verifier`) and two sandboxed check workers."""
    planted = PlantedGenerator(state.tasks)
    name, options = flow.verifier(state.config)
    with Compute.local(planted, name, state.limits, options, jobs=2) as compute:
        run_programs(state, flow, compute, Progress(quiet=True))
    return planted


def _run(dataset: Path, conjecture: bool = True) -> tuple[ProofState, PlantedGenerator]:
    state = ProofState.open(config(dataset, conjecture))
    return state, _drive(state)


def test_stages_prove_repair_conjecture_and_commit(tmp_path: Path) -> None:
    dataset = tmp_path / "ds"
    state, compute = _run(dataset)
    assert not pending(state, flow)

    attempts = _sql(
        dataset,
        "SELECT t.entry_point AS name, a.role, a.round, a.status, a.proof, a.reason "
        "FROM proof_attempts a "
        "JOIN tasks t ON t.id = a.task_id ORDER BY t.entry_point, a.round, a.status, a.proof",
    )
    got = [(a["name"], a["role"], a["round"], a["status"]) for a in attempts]
    assert got == [
        ("add_zero_left", "prover", 0, "fail"),
        ("add_zero_left", "prover", 0, "pass"),
        ("add_zero_right", "prover", 0, "cheat"),
        ("add_zero_right", "prover", 0, "pass"),
        ("double_is_sum", "prover", 0, "fail"),
        ("double_is_sum", "prover", 0, "fail"),
        ("double_is_sum", "repairer", 1, "pass"),
        ("triple_is_sum", "prover", 0, "pass"),
        ("triple_is_sum", "prover", 0, "pass"),
    ]
    assert {a["proof"] for a in attempts if a["status"] == "pass"} >= {ADD_OK, DOUBLE_FIXED}
    # APOLLO-style repair: the failing proof and coqc's own error went into the prompt.
    repair = next(p for p in compute.prompts if "rejected by coqc" in p)
    parent = _sql(
        dataset,
        "SELECT p.proof, p.reason FROM proof_attempts r "
        "JOIN proof_attempts p ON p.candidate_id = r.parent_id WHERE r.role = 'repairer'",
    )
    assert len(parent) == 1 and parent[0]["proof"] in repair
    assert "Checker: " + parent[0]["reason"][:60] in repair
    assert {a["proof"] for a in attempts if a["status"] == "fail"} >= {DOUBLE_WRONG}

    rates = {
        r["name"]: (r["attempts"], r["passed"], r["pass_rate"])
        for r in _sql(
            dataset,
            "SELECT t.entry_point AS name, r.* EXCLUDE (name) FROM proof_pass_rates r "
            "JOIN tasks t ON t.id = r.task_id",
        )
    }
    assert rates == {
        "add_zero_right": (2, 1, 0.5),
        "double_is_sum": (3, 1, 1 / 3),
        "add_zero_left": (2, 1, 0.5),
        "triple_is_sum": (2, 2, 1.0),
    }

    conj = {r["statement"]: r for r in _sql(dataset, "SELECT * FROM conjectures")}
    assert len(conj) == 5
    assert (conj[LEFT_CONJ]["compiles"], conj[LEFT_CONJ]["negation"]) == ("pass", "fail")
    false = conj["Theorem add_one_same : forall n : nat, n + 1 = n."]
    assert (false["compiles"], false["negation"], false["task_id"]) == ("pass", "pass", None)
    broken = conj["Theorem broken : forall n : nat, n +* 0 = n."]
    assert (broken["compiles"], broken["negation"]) == ("unsupported", None)
    sneaky = [r for s, r in conj.items() if s.startswith("Theorem sneaky")]
    assert [r["compiles"] for r in sneaky] == ["rejected"]

    samples = _sql(
        dataset, "SELECT strategy, response, score FROM samples ORDER BY score, strategy"
    )
    assert [(s["strategy"], s["response"]) for s in samples] == [
        ("proof", DOUBLE_FIXED),
        ("conjecture", "intros; lia."),  # add_zero_left: 1 of 2, low but non-zero
        ("proof", ADD_OK),
    ]  # triple_is_sum (2 of 2) is too easy to keep
    assert TRIPLE_CONJ in conj and conj[TRIPLE_CONJ]["pass_rate"] == 1.0

    summary = state.finish()
    assert (summary["statements"], summary["statements_proved"]) == (2, 2)
    assert (summary["proofs"], summary["proofs_pass"], summary["repairs"]) == (9, 5, 1)
    assert (summary["conjectures"], summary["conjectures_filtered"]) == (5, 2)
    assert summary["conjectures_kept"] == 1

    # A rerun asks the model nothing and commits nothing.
    commits = sorted(p.name for p in (dataset / "commits").iterdir())
    state, again = _run(dataset)
    assert again.prompts == [] and not pending(state, flow)
    assert sorted(p.name for p in (dataset / "commits").iterdir()) == commits


class KilledAtConjectureProofs(PlantedGenerator):
    """Stands for a run killed once its seeds' conjectures are filtered: the first call asking
    for proofs of a conjecture fails."""

    def generate(self, requests: list[Request]) -> list[Completion]:
        sources = {t.id: t.source for t in self.tasks}
        if any(sources[r.key.split(":")[0]].startswith("conjecture:") for r in requests):
            raise RuntimeError("killed")
        return super().generate(requests)


def test_a_run_killed_in_its_conjecture_round_resumes_it(tmp_path: Path) -> None:
    dataset = tmp_path / "ds"
    state = ProofState.open(config(dataset))
    name, options = flow.verifier(state.config)
    killed = KilledAtConjectureProofs(state.tasks)
    local = Compute.local(killed, name, state.limits, options, jobs=2)
    with pytest.raises(RuntimeError, match="killed"), local as compute:
        run_programs(state, flow, compute, Progress(quiet=True))
    assert any(state.done("conj-filter", t, 0) for t in state.seeds)
    assert [t for _, t in pending(state, flow)] == state.seeds  # no seed selected yet

    state, _ = _run(dataset)
    assert not pending(state, flow)
    samples = _sql(dataset, "SELECT strategy, response FROM samples ORDER BY score, strategy")
    assert [(s["strategy"], s["response"]) for s in samples] == [
        ("proof", DOUBLE_FIXED),
        ("conjecture", "intros; lia."),
        ("proof", ADD_OK),
    ]
    assert _sql(dataset, "SELECT count(*) AS n FROM conjectures") == [{"n": 5}]


def test_lean_backend_without_a_toolchain_records_unsupported(tmp_path: Path) -> None:
    """Lean is registered as `lean`; with no toolchain here a proof is `unsupported` (never
    `pass`) unless the static scan already refuses it, and no sample is kept."""
    tasks = tmp_path / "lean.jsonl"
    tasks.write_text(json.dumps(LEAN_LINE) + "\n")
    cfg = load_config(
        None,
        ["domain=proofs", f"dataset={tmp_path / 'ds'}", f"tasks=[{{file: {tasks}}}]",
         "solver.n=2", "proofs.backend=lean"],
    )  # fmt: skip
    state = ProofState.open(cfg)
    assert flow.verifier(cfg)[0] == "lean"  # what the proofs flow picks for backend lean
    _drive(state)
    assert not pending(state, flow)
    rows = _sql(
        tmp_path / "ds",
        "SELECT role, proof, verifier, status, decided FROM proof_attempts ORDER BY round, proof",
    )
    assert [(r["role"], r["proof"], r["verifier"], r["status"], r["decided"]) for r in rows] == [
        ("prover", "by norm_num", "lean", "unsupported", False),
        ("prover", "by sorry", "lean", "cheat", True),  # the static scan needs no toolchain
        ("repairer", "by simp", "lean", "unsupported", False),  # repaired: cheat is decided
    ]
    assert _sql(tmp_path / "ds", "SELECT count(*) AS n FROM samples") == [{"n": 0}]
    assert _sql(tmp_path / "ds", "SELECT attempts, passed FROM proof_pass_rates") == [
        {"attempts": 1, "passed": 0}
    ]


@pytest.mark.slow
@pytest.mark.timeout(1200)  # model load, 6 completions, ~8 coqc runs: minutes on a busy machine
def test_assay_run_on_the_small_real_model(tmp_path: Path) -> None:
    """`assay run` end to end: real SmolLM2-135M, real Ray, real Prefect, real coqc."""
    done, dataset = run_small_model(
        tmp_path,
        "domain: proofs\ntasks: [{seed: proofs, limit: 2}]\n"
        "solver: {n: 2, max_tokens: 96}\nrepair: {rounds: 1, n: 1, max_tokens: 96}\n"
        "select: {strategy: all}\nverify: {pool: 1}\n",
    )
    assert "statements  2" in done.stdout and str(dataset) in done.stdout

    attempts = judged_once(dataset, "proof_attempts", "prover", "repairer")
    assert {a["verifier"] for a in attempts} <= {"coq"}  # every extracted proof, by coqc
    rates_agree(dataset, "proof_pass_rates", "attempts", attempts)
    failed = [a for a in attempts if not a["passed"]]
    repairs = [a for a in attempts if a["role"] == "repairer"]
    parents = {a["candidate_id"] for a in failed}
    assert all(r["parent_id"] in parents for r in repairs)  # repairs start from failures
    assert all(a["reason"] for a in failed)  # every failure carries the checker's message
    passing = sum(a["passed"] for a in attempts)
    assert _sql(dataset, "SELECT count(*) AS n FROM samples") == [{"n": passing}]
    assert f"({passing} pass" in done.stdout
    rerun_commits_nothing(tmp_path, dataset)
