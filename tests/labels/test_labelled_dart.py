"""Tasks labelled by agreement under `solver.policy: dart`: a wave's solutions get their outputs
recorded on the kept inputs, as round 0's and repairs' do, so a majority vote counts them by
what they print and never lumps them together as solutions with no outputs."""

from __future__ import annotations

from pathlib import Path

from labelrun import fenced, run_replay
from test_labelled_flow import RIGHT_F, RIGHT_S, WRONG_F, WRONG_S, _answers, _config

from assay.flows.sources import load_tasks
from assay.schemas.query import query

DART = ("select.strategy=majority", "solver.policy=dart", "solver.n=2", "solver.k=4",
        "solver.max_n=8", "solver.budget=40")  # fmt: skip


def test_a_waves_solutions_have_their_outputs_recorded(tmp_path: Path) -> None:
    config = _config(tmp_path, *DART)
    tasks = load_tasks(config)
    answers = _answers(tasks)
    for t in tasks:  # round 0 has three right solutions of four; wave 1 brings one more
        right, wrong = (RIGHT_F, WRONG_F) if t.name == "total" else (RIGHT_S, WRONG_S)
        answers[f"{t.id}:solver:w1"] = [
            fenced(right[0] + "_AGAIN = 1\n"),
            fenced(wrong + "_AGAIN = 2\n"),
        ]
    run_replay(config, answers)
    solvers = query(config.dataset, "SELECT id, wave FROM candidates WHERE role = 'solver'")
    waves = {r["id"]: r["wave"] for r in solvers.to_pylist()}
    assert sorted(waves.values()).count(1) == 4  # two new solutions per task in wave 1
    recorded = query(
        config.dataset,
        "SELECT DISTINCT candidate_id FROM verdicts WHERE verifier LIKE '%outputs'",
    ).to_pylist()
    assert {r["candidate_id"] for r in recorded} >= set(waves)
    samples = query(config.dataset, "SELECT response FROM samples").to_pylist()
    assert len(samples) == 2 and all("return" in s["response"] or "print" in s["response"]
                                     for s in samples)  # fmt: skip
