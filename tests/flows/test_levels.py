"""What a sample says about itself and what a run holds: the verification level of each sample
(filterable in SQL, counted in the summary), tasks committed as exactly the tasks processed, and
each candidate held once however often the model repeated it."""

from __future__ import annotations

import json
from pathlib import Path

from assay.flows.config import RunConfig, load_config
from assay.flows.domains import get
from assay.flows.domains.code.stages import level_of as code_level
from assay.flows.domains.verilog.stages import level_of as verilog_level
from assay.flows.engine.compute import Compute
from assay.flows.engine.rounds import run_programs
from assay.flows.output import samples_line
from assay.flows.progress import Progress
from assay.flows.sources import load_tasks
from assay.flows.state import levels
from assay.schemas.query import query
from assay.schemas.records import Candidate, Formal, Level, Role, Sample, Status, Task, Verdict
from assay.workers.replay import ReplayGenerator

ADD = {"entry_point": "add", "reference": "def add(a, b):\n    return a + b\n"}


def test_code_levels_name_what_the_pass_rests_on() -> None:
    assert code_level(Task("code", "s", "n", "p", tests=("assert 1",))) is Level.TRUSTED_TESTS
    assert code_level(Task("code", "s", "n", "p", reference="x")) is Level.VALIDATED_TESTS
    assert code_level(Task("code", "s", "n", "p")) is Level.CONSENSUS_ONLY


def test_verilog_levels_keep_an_inconclusive_formal_tier_visible() -> None:
    def of(evidence: dict) -> tuple:
        return verilog_level(Verdict("c", "verilog", Status.PASS, evidence=evidence))

    assert of({"formal": "proved"}) == (Level.FORMAL_EQUIVALENCE, Formal.PROVED)
    assert of({"formal": "inconclusive"}) == (Level.SIMULATION, Formal.INCONCLUSIVE)
    assert of({}) == (Level.SIMULATION, Formal.NOT_RUN)


def test_the_summary_counts_samples_by_level() -> None:
    samples = [
        Sample("t", "a", "verilog", "p", "r", level=Level.SIMULATION, formal=Formal.INCONCLUSIVE),
        Sample("t", "b", "verilog", "p", "r", level=Level.FORMAL_EQUIVALENCE, formal=Formal.PROVED),
        Sample("t", "c", "verilog", "p", "r", level=Level.FORMAL_EQUIVALENCE, formal=Formal.PROVED),
    ]
    counts = {"samples": 3, "levels": levels(samples)}
    assert samples_line(counts) == (
        "  samples     3 committed: 2 formal_equivalence (formal proved), "
        "1 simulation (formal inconclusive)\n"
    )


def _write_tasks(path: Path, names: list[str]) -> None:
    lines = []
    for name in names:
        tests = [f"assert add(1, {len(name)}) == {1 + len(name)}"]
        task = {"name": name, "prompt": f"Write add ({name}).", "tests": tests, **ADD}
        lines.append(json.dumps(task))
    path.write_text("\n".join(lines) + "\n")


def _config(tmp_path: Path, tasks: Path) -> RunConfig:
    overrides = [f"dataset={tmp_path / 'ds'}", f"tasks=[{{file: {tasks}}}]", "solver.n=3",
                 "tester.n=0", "repair.rounds=0", "select.strategy=all"]  # fmt: skip
    return load_config(None, overrides)


def _run(config: RunConfig) -> dict:
    """Every task's solver answers the reference twice (the same candidate) and a wrong one."""
    answers = {}
    for t in load_tasks(config):
        ref = f"```python\n{t.reference}```"
        answers[f"{t.id}:solver"] = [ref, ref, "```python\ndef add(a, b):\n    return 0\n```"]
    parts = get("code").flow()
    state = parts.open_state(config)
    with Compute.local(ReplayGenerator(answers), "python", state.limits, jobs=2) as compute:
        run_programs(state, parts, compute, Progress(quiet=True))
    return state.finish()


def test_a_grown_task_file_commits_its_new_tasks_and_levels_are_in_sql(tmp_path: Path) -> None:
    tasks = tmp_path / "tasks.jsonl"
    _write_tasks(tasks, ["one", "two"])
    first = _run(_config(tmp_path, tasks))
    assert first["samples"] == 2 and first["levels"] == {"trusted_tests": 2}
    _write_tasks(tasks, ["one", "two", "three"])
    second = _run(_config(tmp_path, tasks))
    assert second["run_id"] == first["run_id"] and second["tasks"] == 3

    ds = tmp_path / "ds"
    names = query(ds, "SELECT name FROM tasks ORDER BY name").column("name").to_pylist()
    assert names == ["one", "three", "two"]  # the task added to the file is in `tasks` too
    rows = query(ds, "SELECT level, formal, count(*) AS n FROM samples GROUP BY ALL").to_pylist()
    assert rows == [{"level": "trusted_tests", "formal": "", "n": 3}]


def test_a_repeated_candidate_is_held_once(tmp_path: Path) -> None:
    tasks = tmp_path / "tasks.jsonl"
    _write_tasks(tasks, ["one"])
    config = _config(tmp_path, tasks)
    state = get("code").flow().open_state(config)
    task = next(iter(state.tasks))
    same = Candidate(task.id, Role.SOLVER, "def add(a, b):\n    return a + b\n")
    state.commit("gen", task, 0, {"candidates": [same, same]})
    state.commit("gen", task, 1, {"candidates": [same]})
    assert state.solutions(task) == [same]
    state.finish()
