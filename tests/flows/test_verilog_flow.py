"""The verilog flow's programs on real parts: the real verifier in the sandbox, the real store,
the DuckDB views, resume by run id.

In the default tier the model's answers are planted (as verifier tests plant candidates): a
generator that returns fixed completions per task and role, driven by the round engine in this
process, while every check goes through the real `verilog` verifier on the engine's check lane.
The slow test runs `assay run` on the real SmolLM2-135M and checks that SQL agrees with itself.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from planted import Planted
from small_model_run import judged_once, rates_agree, rerun_commits_nothing, run_small_model

from assay.flows.config import RunConfig, load_config
from assay.flows.domains.verilog import flow as vf
from assay.flows.domains.verilog.state import VerilogState
from assay.flows.engine.compute import Compute
from assay.flows.engine.rounds import pending, run_programs
from assay.flows.engine.steps import Generate, Program
from assay.flows.progress import Progress
from assay.schemas.query import query
from assay.schemas.records import Task
from assay.workers.api import Request

MUX_OK = "module TopModule(input [7:0] a, input [7:0] b, input sel, output [7:0] out);\n  assign out = sel ? b : a;\nendmodule"  # noqa: E501
MUX_WRONG = "module TopModule(input [7:0] a, input [7:0] b, input sel, output [7:0] out);\n  assign out = a;\nendmodule"  # noqa: E501
MUX_CHEAT = "module TopModule(input [7:0] a, input [7:0] b, input sel, output [7:0] out);\n  assign out = a;\n  initial $finish;\nendmodule"  # noqa: E501
PAR_OK = "module TopModule(input [7:0] data, output odd);\n  assign odd = ^data;\nendmodule"
PAR_EVEN = "module TopModule(input [7:0] data, output odd);\n  assign odd = ~^data;\nendmodule"
SPEC = (
    "TopModule has inputs a and b (8 bits each) and sel (1 bit), and an 8-bit output out. "
    "out equals a while sel is 0 and b while sel is 1; there is no clock."
)
PAR_SPEC = "TopModule reads an 8-bit input data and drives a 1-bit output odd, the parity of data."

# (task name, request kind) -> completions; a kind is the role's part of the request key.
PLANTED = {
    ("mux2_byte", "solver"): [
        f"```verilog\n{MUX_OK}\n```",
        f"Here you go:\n```verilog\n{MUX_WRONG}\n```",
        f"```verilog\n{MUX_CHEAT}\n```",
        "I am not sure how to do this.",  # nothing to extract: dropped
    ],
    ("parity_odd", "solver"): [f"```verilog\n{PAR_EVEN}\n```"] * 4,
    ("parity_odd", "repair1"): [f"Fixed:\n```verilog\n{PAR_OK}\n```"],
    ("mux2_byte", "spec"): [f"{SPEC}\n"],
    ("parity_odd", "spec"): [f"{PAR_SPEC}\n"],
    ("mux2_byte", "regen"): [f"```verilog\n{MUX_OK.replace('a;', 'a ;')}\n```"],
    ("parity_odd", "regen"): [f"```verilog\n{PAR_EVEN}\n```"],  # not equivalent: filtered out
}


class PlantedGenerator(Planted):
    """Planted completions in place of a model (keyed by task name and request kind)."""

    def texts(self, task_id: str, kind: str) -> list[str]:
        return PLANTED[(NAMES[task_id], kind)]


NAMES: dict[str, str] = {}


def _config(dataset: Path, roundtrip: bool = True) -> RunConfig:
    return load_config(
        None,
        [
            "domain=verilog",
            f"dataset={dataset}",
            "tasks=[{seed: verilog, limit: 2}]",
            "solver.n=4",
            "repair={rounds: 1, n: 1}",
            "select.strategy=all",
            f"verilog.roundtrip.enabled={str(roundtrip).lower()}",
        ],
    )


def _run(config: RunConfig, planted: PlantedGenerator, parts: Any = vf) -> VerilogState:
    """The flow's rounds through the engine in this process, without Prefect or Ray."""
    state = vf.open_state(config)
    assert isinstance(state, VerilogState)
    NAMES.update({t.id: t.name for t in state.tasks})
    name, options = parts.verifier(config)
    with Compute.local(planted, name, state.limits, options, jobs=2) as compute:
        run_programs(state, parts, compute, Progress(quiet=True))
    return state


def _cut(stop: Callable[[Request], bool]) -> SimpleNamespace:
    """The verilog flow parts with every program ended before its first request that `stop`
    picks, as when a run is killed there."""

    def program(state: VerilogState, t: Task, index: int) -> Program:
        inner, answer = vf.program(state, t, index), None
        while True:
            try:
                op = inner.send(answer)
            except StopIteration:
                return
            if isinstance(op, Generate) and any(stop(r) for r in op.requests):
                inner.close()
                return
            answer = yield op

    return SimpleNamespace(program=program, finished=vf.finished, verifier=vf.verifier)


def _sql(dataset: Path, sql: str) -> list[dict]:
    return query(dataset, sql).to_pylist()


def test_stages_commit_designs_verdicts_pass_rates_pairs_and_round_trips(tmp_path: Path) -> None:
    dataset = tmp_path / "ds"
    planted = PlantedGenerator()
    state = _run(_config(dataset), planted)
    assert not pending(state, vf)

    statuses = _sql(
        dataset,
        "SELECT t.name, s.round, s.status FROM solution_verdicts s "
        "JOIN tasks t ON t.id = s.task_id ORDER BY t.name, s.round, s.status",
    )
    assert [(r["name"], r["round"], r["status"]) for r in statuses] == [
        ("mux2_byte", 0, "cheat"),
        ("mux2_byte", 0, "fail"),
        ("mux2_byte", 0, "pass"),
        ("parity_odd", 0, "fail"),
        ("parity_odd", 1, "pass"),
    ]
    # The repair request showed the failing design and how its simulation disagreed.
    repair = next(p for p in planted.prompts if "This attempt is wrong" in p)
    assert PAR_EVEN in repair and "First mismatch" in repair

    rates = {
        r["name"]: (r["candidates"], r["passed"], r["pass_rate"])
        for r in _sql(dataset, "SELECT * FROM pass_rates")
    }
    assert rates == {"mux2_byte": (3, 1, 1 / 3), "parity_odd": (2, 1, 1 / 2)}

    pairs = _sql(dataset, "SELECT * FROM preference_pairs")
    assert sorted((p["chosen"].strip(), p["rejected_status"]) for p in pairs) == sorted(
        [(MUX_OK, "cheat"), (MUX_OK, "fail"), (PAR_OK, "fail")]
    )
    assert {p["rejected"].strip() for p in pairs} == {MUX_CHEAT, MUX_WRONG, PAR_EVEN}

    samples = _sql(dataset, "SELECT * FROM samples ORDER BY strategy, response")
    kinds = [(s["strategy"], s["response"].strip(), s["prompt"].strip()[:20]) for s in samples]
    assert kinds == [
        ("reference", MUX_OK, "Implement a module n"),
        ("reference", PAR_OK, "Implement a module n"),
        ("roundtrip", MUX_OK, SPEC[:20]),  # the parity round trip was not equivalent
    ]
    assert [s["score"] for s in samples] == [1 / 3, 1 / 2, 1 / 3]
    trips = _sql(dataset, "SELECT status, against FROM verdicts WHERE against LIKE 'roundtrip:%'")
    assert sorted(t["status"] for t in trips) == ["fail", "pass"]

    summary = state.finish()
    assert (summary["designs"], summary["designs_pass"], summary["preference_pairs"]) == (5, 2, 3)
    assert (summary["roundtrip_tried"], summary["roundtrip_kept"]) == (2, 1)


def _keys(dataset: Path) -> list[str]:
    """Every commit key (commits are gathered into folders by when they were written)."""
    from assay.schemas.store import Store

    return Store(dataset).keys()


def test_a_rerun_commits_nothing_and_a_cut_run_resumes(tmp_path: Path) -> None:
    whole = tmp_path / "whole"
    _run(_config(whole), PlantedGenerator())
    commits = _keys(whole)
    again = PlantedGenerator()
    state = _run(_config(whole), again)
    assert not pending(state, vf) and again.prompts == []
    assert _keys(whole) == commits

    # A run stopped after round 0 (before any repair or round trip), then resumed, ends with the
    # same rows.
    cut = tmp_path / "cut"
    first = _config(cut)
    _run(first, PlantedGenerator(), _cut(lambda r: r.key.split(":")[1] != "solver"))
    state = VerilogState.open(first)
    assert pending(state, vf)
    assert [vf.finished(state, t) for t in state.tasks] == [False, False]
    assert not any(state.done("rt-spec", t, 0) for t in state.tasks)
    _run(first, PlantedGenerator())
    for table in ("candidates", "verdicts", "samples"):
        rows = {r["id"] for r in _sql(whole, f"SELECT id FROM {table}")}
        assert rows == {r["id"] for r in _sql(cut, f"SELECT id FROM {table}")}, table
    assert [k for k in _keys(cut) if not k.startswith("run/")] == [
        k for k in commits if not k.startswith("run/")
    ]  # the same stage commits (the run records name each invocation's start)


def test_round_trip_is_off_by_default_and_adds_nothing(tmp_path: Path) -> None:
    dataset = tmp_path / "ds"
    assert not load_config(None, ["domain=verilog"]).verilog.roundtrip.enabled
    _run(_config(dataset, roundtrip=False), PlantedGenerator())
    assert _sql(dataset, "SELECT DISTINCT strategy FROM samples") == [{"strategy": "reference"}]
    assert _sql(dataset, "SELECT count(*) AS n FROM candidates WHERE role = 'translator'") == [
        {"n": 0}
    ]


@pytest.mark.slow
def test_assay_run_on_the_small_real_model(tmp_path: Path) -> None:
    """`assay run` end to end: real SmolLM2-135M, real Ray, real Prefect; SQL must agree."""
    done, dataset = run_small_model(
        tmp_path,
        "domain: verilog\ntasks: [{seed: verilog, limit: 2}]\n"
        "solver: {n: 2, max_tokens: 96}\nrepair: {rounds: 0}\nselect: {strategy: all}\n"
        "verify: {pool: 1}\nverilog: {roundtrip: {enabled: true, max_tokens: 96}}\n",
    )
    assert "preference pairs" in done.stdout and str(dataset) in done.stdout

    designs = judged_once(dataset, "solution_verdicts", "solver")
    rates_agree(dataset, "pass_rates", "candidates", designs)
    want_pairs = sum(
        sum(d["passed"] for d in designs if d["task_id"] == t)
        * sum(d["decided"] and not d["passed"] for d in designs if d["task_id"] == t)
        for t in {d["task_id"] for d in designs}
    )
    assert _sql(dataset, "SELECT count(*) AS n FROM preference_pairs") == [{"n": want_pairs}]
    passing = sum(d["passed"] for d in designs)
    got = _sql(dataset, "SELECT count(*) AS n FROM samples WHERE strategy = 'reference'")
    assert got == [{"n": passing}]
    assert f"designs     {len(designs)} ({passing} pass" in done.stdout
    rerun_commits_nothing(tmp_path, dataset)
