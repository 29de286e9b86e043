"""`solver.policy: dart` on the code domain, in this process: at the same budget it solves hard
tasks fixed-n misses, never spends over its budget (repair rounds included), stops feeding an
impossible task, and a run stopped mid-way resumes to the rows of an uninterrupted one."""

from __future__ import annotations

from pathlib import Path

import pytest
from dart_cases import Planted, config, kinds
from test_engine_code import Interrupted, _tables

from assay.flows.config import RunConfig
from assay.flows.domains import get
from assay.flows.engine.compute import Compute
from assay.flows.engine.domain_flow import dart_lines
from assay.flows.engine.rounds import pending, run_programs
from assay.flows.progress import Progress
from assay.flows.release.budget import budget_bands
from assay.flows.release.report import write_report
from assay.schemas.query import query

DART = ("solver.policy=dart", "solver.n=2", "solver.max_n=12", "solver.zero_share=0.3")


def _run(cfg: RunConfig, generator: Planted) -> None:
    parts = get("code").flow()
    state = parts.open_state(cfg)
    with Compute.local(generator, "python", state.limits, jobs=2, batch=4) as compute:
        run_programs(state, parts, compute, Progress(quiet=True))


def _solved(dataset: Path, cfg: RunConfig) -> dict[str, int]:
    rows = query(dataset, "SELECT DISTINCT task_id FROM samples").to_pylist()
    kind = kinds(cfg)
    out = dict.fromkeys(("easy", "hard", "impossible"), 0)
    for r in rows:
        out[kind[r["task_id"]]] += 1
    return out


def _samples_by_kind(dataset: Path, cfg: RunConfig) -> dict[str, int]:
    """Solver samples generated per kind of task, from the committed waves."""
    rows = query(dataset, "SELECT task_id, max(wave) AS w FROM candidates GROUP BY task_id")
    kind, out = kinds(cfg), dict.fromkeys(("easy", "hard", "impossible"), 0)
    for r in rows.to_pylist():
        out[kind[r["task_id"]]] += (r["w"] + 1) * cfg.solver.n
    return out


def test_at_the_same_budget_dart_solves_hard_tasks_fixed_n_misses(tmp_path: Path) -> None:
    fixed = config(tmp_path / "fixed", "solver.n=3")
    _run(fixed, gen_fixed := Planted(fixed))
    dart = config(tmp_path / "dart", *DART, "solver.budget=18")
    _run(dart, gen_dart := Planted(dart))
    assert _solved(tmp_path / "fixed", fixed) == {"easy": 2, "hard": 0, "impossible": 0}
    assert _solved(tmp_path / "dart", dart) == {"easy": 2, "hard": 2, "impossible": 0}
    assert gen_dart.generated <= gen_fixed.generated == 18
    waves = query(tmp_path / "dart", "SELECT DISTINCT wave FROM candidates ORDER BY wave")
    assert [r["wave"] for r in waves.to_pylist()][:2] == [0, 1]  # each candidate has its wave


@pytest.mark.parametrize("budget", [12, 14, 20])
def test_the_budget_is_never_exceeded_repair_rounds_included(tmp_path: Path, budget: int) -> None:
    cfg = config(tmp_path, *DART, f"solver.budget={budget}", "repair={rounds: 2, n: 1}")
    _run(cfg, gen := Planted(cfg))
    assert gen.generated <= budget
    assert not pending(get("code").flow().open_state(cfg), get("code").flow())


def test_an_impossible_task_stops_taking_budget(tmp_path: Path) -> None:
    # Budget enough for every task's cap: only the stop rule holds the impossible ones back.
    cfg = config(tmp_path, *DART, "solver.budget=100")
    _run(cfg, Planted(cfg))
    spent = _samples_by_kind(tmp_path, cfg)
    assert spent["impossible"] == 2 * 4  # 0 passes after 4 samples (0.3 of a cap of 12): stop
    assert spent["easy"] == 2 * 2  # k = select.keep = 1 verified sample: one wave each
    assert spent["hard"] == 2 * 4  # right from its fourth sample: two waves
    assert _solved(tmp_path, cfg)["hard"] == 2
    # pass_rates divides by each task's own samples, however many its waves took
    rates = query(tmp_path, "SELECT task_id, candidates, passed, pass_rate FROM pass_rates")
    kind = kinds(cfg)
    by_kind = {(kind[r["task_id"]], r["candidates"], r["passed"], r["pass_rate"])
               for r in rates.to_pylist()}  # fmt: skip
    assert by_kind == {("easy", 2, 2, 1.0), ("hard", 4, 1, 0.25), ("impossible", 4, 0, 0.0)}


@pytest.mark.parametrize("stop_after", [1, 2, 4])
def test_a_dart_run_stopped_mid_way_resumes_to_the_uninterrupted_rows(
    tmp_path: Path, stop_after: int
) -> None:
    more = (*DART, "solver.budget=20", "repair={rounds: 1, n: 1}", "solver.group=4")
    whole, broken = config(tmp_path / "whole", *more), config(tmp_path / "broken", *more)
    _run(whole, Planted(whole))

    class Stops(Planted):
        def generate(self, requests: list) -> list:
            if self.calls >= stop_after:
                raise Interrupted
            return super().generate(requests)

    with pytest.raises(Interrupted):
        _run(broken, Stops(broken))
    parts = get("code").flow()
    assert pending(parts.open_state(broken), parts)
    _run(broken, Planted(broken))
    assert _tables(tmp_path / "broken") == _tables(tmp_path / "whole")


def test_the_summary_and_the_report_show_the_spend_per_difficulty_band(tmp_path: Path) -> None:
    cfg = config(tmp_path, *DART, "solver.budget=18")
    _run(cfg, Planted(cfg))
    counts = get("code").flow().open_state(cfg).finish()
    bands = budget_bands(_Rows(tmp_path))
    assert sum(b["spent"] for b in bands) == sum(b["fixed_n_spent"] for b in bands) == 18
    assert {b["band"]: (b["tasks"], b["solved"]) for b in bands}["unsolved"] == (2, 0)
    assert sum(b["solved"] for b in bands) == 4
    printed = dart_lines(counts)
    assert len(printed) == len(bands) and "fixed-n: 6" in printed[-1]
    html = write_report(tmp_path, tmp_path / "report.html").read_text()
    assert "Sampling budget per difficulty band" in html


class _Rows:
    def __init__(self, dataset: Path) -> None:
        self.dataset = dataset

    def rows(self, sql: str) -> list[dict]:
        return query(self.dataset, sql).to_pylist()
