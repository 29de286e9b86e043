"""`solver.policy: dart` beyond the code domain: a verilog run samples its unsolved task in
waves (its designer role) until the zero-pass rule stops it, and leaves its solved task alone;
a translation run solves its task in a wave and a proofs run proves its hard statement in one; a
domain that does not sample in waves refuses the policy instead of ignoring it."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from proof_cases import DOUBLE_FIXED, fence
from proof_cases import PlantedGenerator as ProofPlanted
from proof_cases import config as proof_config
from test_translation_flow import _config as translation_config
from test_translation_flow import _run as translation_run
from test_verilog_flow import PlantedGenerator, _keys, _run
from translation_flow_cases import GOOD
from translation_flow_cases import PlantedGenerator as TranslationPlanted

from assay.flows.config import load_config
from assay.flows.domains.proofs import flow as pf
from assay.flows.domains.proofs.state import ProofState
from assay.flows.domains.verilog import flow as vf
from assay.flows.engine import budget
from assay.flows.engine.compute import Compute
from assay.flows.engine.rounds import pending, run_programs
from assay.flows.progress import Progress
from assay.schemas.query import query
from assay.workers.api import Completion, Request


@pytest.mark.skipif(shutil.which("iverilog") is None, reason="iverilog is not installed")
def test_a_verilog_run_samples_its_unsolved_task_in_waves(tmp_path: Path) -> None:
    dart = load_config(
        None,
        ["domain=verilog", f"dataset={tmp_path}", "tasks=[{seed: verilog, limit: 2}]",
         "repair={rounds: 0, n: 1}", "select.strategy=all", "verilog.roundtrip.enabled=false",
         "solver.policy=dart", "solver.n=4", "solver.max_n=16", "solver.budget=24"],
    )  # fmt: skip
    state = _run(dart, PlantedGenerator())
    assert not pending(vf.open_state(dart), vf)
    waves = sorted(k.split("/")[2:] for k in _keys(tmp_path) if k.startswith("wave/"))
    names = {t.id: t.name for t in state.tasks}
    # parity_odd never passes: wave 1, then no more at 8 samples (zero_share 0.5 of 16);
    # mux2_byte passed in wave 0 and asks for none
    assert [(names[task], w) for task, w in waves] == [("parity_odd", "1")]


class WaveSolves(TranslationPlanted):
    """Round 0's translations race; a dart wave's is right."""

    def generate(self, requests: list[Request]) -> list[Completion]:
        out = super().generate(requests)
        right = (f"```cpp\n{GOOD}```",) * 2
        return [Completion(c.key, right, c.model) if c.key.endswith(":w1") else c for c in out]


@pytest.mark.skipif(shutil.which("g++") is None, reason="g++ is not installed")
def test_a_translation_run_solves_its_task_in_a_dart_wave(tmp_path: Path) -> None:
    cfg = translation_config(tmp_path).model_copy(deep=True)
    dart = load_config(
        None,
        ["domain=translation", f"dataset={tmp_path}", "tasks=[{seed: translation, limit: 1}]",
         "solver.n=2", "tester.n=2", "repair.n=1", "translation.rounds=2",
         "verify={limits: {wall_s: 10, cpu_s: 10, memory_mb: 1024}, pool: 1}",
         "solver.policy=dart", "solver.max_n=8", "solver.budget=8"],
    )  # fmt: skip
    assert dart.solver.n == cfg.solver.n
    translation_run(dart, WaveSolves())
    keys = [k.split("/")[0] for k in _keys(tmp_path)]
    assert keys.count("wave") == keys.count("wave-check") == 1  # solved in wave 1: no wave 2
    assert "grant" not in keys  # solved: round 1 repairs nothing
    rows = query(tmp_path, "SELECT response FROM samples").to_pylist()
    assert GOOD.strip() in [r["response"].strip() for r in rows]  # the wave's translation


class ProvedInAWave(ProofPlanted):
    """double_is_sum's round-0 proofs fail; its dart wave 1 proves it."""

    def generate(self, requests: list[Request]) -> list[Completion]:
        out = super().generate(requests)
        right = (fence(f"Proof. {DOUBLE_FIXED} Qed."),) * 3
        return [Completion(c.key, right, c.model) if c.key.endswith(":w1") else c for c in out]


@pytest.mark.skipif(shutil.which("coqc") is None, reason="coqc is not installed")
def test_a_proofs_run_proves_its_hard_statement_in_a_dart_wave(tmp_path: Path) -> None:
    dart = proof_config(tmp_path, conjecture=False).model_copy(
        update={"solver": load_config(
            None, ["solver.policy=dart", "solver.n=3", "solver.max_n=9", "solver.budget=9"]
        ).solver}
    )  # fmt: skip
    state = ProofState.open(dart)
    name, options = pf.verifier(dart)
    planted = ProvedInAWave(state.tasks)
    with Compute.local(planted, name, state.limits, options, jobs=2) as compute:
        run_programs(state, pf, compute, Progress(quiet=True))
    assert not pending(ProofState.open(dart), pf)
    waves = [k.split("/")[2] for k in _keys(tmp_path) if k.startswith("wave/")]
    names = {t.id: t.entry_point for t in state.tasks}
    assert [names[w] for w in waves] == ["double_is_sum"]  # the other was proved in wave 0
    rows = query(tmp_path, "SELECT task_id FROM samples").to_pylist()
    assert {names[r["task_id"]] for r in rows} == {"add_zero_right", "double_is_sum"}


def test_a_domain_without_waves_refuses_dart(tmp_path: Path) -> None:
    cfg = load_config(None, [f"dataset={tmp_path}", "solver.policy=dart"])
    toy = SimpleNamespace(ROUNDS=SimpleNamespace(check_wave=None))
    with pytest.raises(ValueError, match="does not sample in waves"):
        budget.opened(SimpleNamespace(config=cfg, tasks=[]), toy, [])
