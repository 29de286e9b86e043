"""`solver.policy: dart` beyond the code domain: a verilog run samples its unsolved task in
waves (its designer role) until the zero-pass rule stops it, and leaves its solved task alone;
a domain that does not sample in waves refuses the policy instead of ignoring it."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from test_verilog_flow import PlantedGenerator, _keys, _run

from assay.flows.config import load_config
from assay.flows.domains.translation import flow as tf
from assay.flows.domains.verilog import flow as vf
from assay.flows.engine import budget
from assay.flows.engine.rounds import pending


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


def test_a_domain_without_waves_refuses_dart(tmp_path: Path) -> None:
    cfg = load_config(None, ["domain=translation", f"dataset={tmp_path}", "solver.policy=dart"])
    with pytest.raises(ValueError, match="does not sample in waves"):
        budget.opened(SimpleNamespace(config=cfg, tasks=[]), tf, [])
