"""The planted case of verdict provenance, on real parts: a design that passes a short
simulation is committed first; the formal tier later finds a counterexample for the same design.
The views must show the failure, and the design must never be the chosen side of a pair."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from designs import COUNTER_GOOD, COUNTER_REF, counter

from assay.schemas.query import query
from assay.schemas.records import Candidate, Role, Status, Task, Verdict
from assay.schemas.store import Store
from assay.verifiers import registry
from assay.verifiers.batch import check_batch
from assay.verifiers.sandbox import Limits, ZygoteSandbox

pytestmark = pytest.mark.skipif(shutil.which("yosys") is None, reason="yosys is not installed")
LIMITS = Limits(wall_s=30, cpu_s=30, memory_mb=1024)
SHORT = {"episodes": 1, "cycles": 4, "reset_cycles": 1, "deep_episodes": 0}  # misses the bug
# Differs from the reference only after 5 enabled cycles in a row with no reset.
MUTANT = counter(
    "always @(posedge clk) if (reset) q <= 0; else if (ena) q <= (q == 4'd5) ? 4'd9 : q + 1;"
)


def _check(name: str, task: Task, designs: list[Candidate], box: ZygoteSandbox) -> list[Verdict]:
    checker = registry.configured(name, SHORT)
    items = [checker.Item(id=c.id, code=c.text, reference=task.reference) for c in designs]
    verdicts = check_batch(checker, items, lambda fresh: box, LIMITS, SHORT)
    return [Verdict(**{**v.__dict__, "task_id": task.id}) for v in verdicts]


def test_a_later_formal_counterexample_overrules_an_earlier_simulation_pass(
    tmp_path: Path, sandbox: ZygoteSandbox
) -> None:
    task = Task("verilog", "test", "counter", "a 4-bit counter", reference=COUNTER_REF)
    good = Candidate(task.id, Role.SOLVER, COUNTER_GOOD)
    bad = Candidate(task.id, Role.SOLVER, MUTANT)
    store = Store(tmp_path / "ds")
    store.commit("tasks", {"tasks": [task], "candidates": [good, bad]}, run_id="r")

    simulated = _check("verilog", task, [good, bad], sandbox)
    assert [(v.status, v.tier) for v in simulated] == [(Status.PASS, "simulation")] * 2
    store.commit("sim", {"verdicts": simulated}, run_id="sim-run")
    before = query(store.root, "SELECT chosen_id FROM preference_pairs").to_pylist()
    assert before == []  # both pass the short simulation: nothing to prefer yet

    formal = _check("verilog-formal", task, [good, bad], sandbox)
    assert [(v.status, v.tier) for v in formal] == [
        (Status.PASS, "formal"),
        (Status.FAIL, "formal"),
    ]
    assert formal[1].evidence["formal"] == "counterexample"
    assert {v.id for v in formal}.isdisjoint(v.id for v in simulated)  # a new verdict, not a repeat
    store.commit("formal", {"verdicts": formal}, run_id="formal-run")

    rows = query(store.root, "SELECT candidate_id, status, tier FROM verdicts").to_pylist()
    assert {(r["candidate_id"], r["status"], r["tier"]) for r in rows} == {
        (good.id, "pass", "formal"),
        (bad.id, "fail", "formal"),
    }
    history = query(store.root, "SELECT count(*) AS n FROM verdict_history").to_pylist()
    assert history == [{"n": 4}]  # the simulation verdicts are kept, just not the ones that count
    rates = query(store.root, "SELECT candidates, passed FROM pass_rates").to_pylist()
    assert rates == [{"candidates": 2, "passed": 1}]
    pairs = query(store.root, "SELECT chosen_id, rejected_id FROM preference_pairs").to_pylist()
    assert pairs == [{"chosen_id": good.id, "rejected_id": bad.id}]
