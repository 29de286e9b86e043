"""stdin/stdout problems through the code flow: the APPS-style importer, task checks, and a run
on the engine where a wrong program is repaired and the right one kept with per-test outcomes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assay.flows.config import load_config
from assay.flows.domains import get
from assay.flows.domains.code.importers import ImportFormatError, load
from assay.flows.engine.compute import Compute
from assay.flows.engine.rounds import run_programs
from assay.flows.progress import Progress
from assay.flows.sources import TaskFileError, load_tasks
from assay.schemas.query import query
from assay.workers.replay import ReplayGenerator

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _apps(tmp: Path, **fields) -> Path:
    line = {
        "question": "Print a + b.",
        "input_output": json.dumps({"inputs": ["1 2\n"], "outputs": ["3\n"]}),
        "solutions": json.dumps(["a, b = map(int, input().split())\nprint(a + b)\n"]),
    } | fields
    path = tmp / "apps.jsonl"
    path.write_text(json.dumps(line) + "\n")
    return path


def test_apps_lines_become_stdio_tasks(tmp_path: Path) -> None:
    (task,) = load(_apps(tmp_path, problem_id=42), "apps")
    assert task.name == "42" and task.meta["kind"] == "stdio" and task.meta["checker"] == "tokens"
    assert json.loads(task.tests[0]) == {"stdin": "1 2\n", "stdout": "3\n"}
    assert "standard input" in task.prompt and task.reference.startswith("a, b")
    listed = {"inputs": [["1 2"]], "outputs": [["3"]]}  # lists of lines are joined
    (joined,) = load(_apps(tmp_path, input_output=listed), "apps")
    assert json.loads(joined.tests[0]) == {"stdin": "1 2\n", "stdout": "3\n"}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"input_output": json.dumps({"inputs": ["1"], "outputs": ["1"], "fn_name": "f"})},
         "input_output.fn_name: call-based"),
        ({"input_output": json.dumps({"inputs": ["1", "2"], "outputs": ["1"]})},
         "as many outputs as inputs"),
        ({"input_output": "{not json"}, "field input_output: not valid JSON"),
        ({"checker": "fuzzy"}, "field checker"),
        ({"question": ""}, "question"),
    ],
)  # fmt: skip
def test_bad_apps_lines_name_the_file_line_and_field(tmp_path: Path, fields, message) -> None:
    with pytest.raises(ImportFormatError, match=message) as err:
        load(_apps(tmp_path, **fields), "apps")
    assert f"{tmp_path / 'apps.jsonl'}:1" in str(err.value)


def test_the_bundled_stdio_problems_load_and_their_references_are_right() -> None:
    config = load_config(EXAMPLES / "stdio.yaml")
    tasks = load_tasks(config)
    get("code").flow().check_tasks(tasks, config)
    assert len(tasks) == 5 and all(t.reference for t in tasks)
    assert {t.meta["checker"] for t in tasks} == {"tokens", "floats"}


def test_a_stdio_task_with_a_bad_test_is_refused_before_the_run(tmp_path: Path) -> None:
    from dataclasses import replace

    config = load_config(EXAMPLES / "stdio.yaml")
    task = load_tasks(config)[0]
    bad = replace(task, tests=(*task.tests, "assert f(1) == 2"))
    with pytest.raises(TaskFileError, match=r"field tests\.3: a stdio test must be a JSON object"):
        get("code").flow().check_tasks([bad], config)


def test_a_stdio_run_repairs_a_wrong_program_and_keeps_the_right_one(tmp_path: Path) -> None:
    config = load_config(
        EXAMPLES / "stdio.yaml",
        [f"dataset={tmp_path / 'ds'}", "solver.n=2", "repair={rounds: 1, n: 1}"],
    )
    tasks = load_tasks(config)
    answers = {}
    for t in tasks:
        wrong = "import sys\nprint(sys.stdin.read().strip())\n"  # echoes its input: wrong
        answers[f"{t.id}:solver"] = [f"```python\n{wrong}```", "no code here"]
        answers[f"{t.id}:repair1"] = [f"Fixed:\n```python\n{t.reference}```"]
    parts = get("code").flow()
    state = parts.open_state(config)
    with Compute.local(ReplayGenerator(answers), "python", state.limits, jobs=2) as compute:
        run_programs(state, parts, compute, Progress(quiet=True))
    samples = query(config.dataset, "SELECT task_id, response, tests FROM samples").to_pylist()
    assert len(samples) == 5
    by_task = {s["task_id"]: s for s in samples}
    for t in tasks:
        assert by_task[t.id]["response"].strip() == t.reference.strip()
        assert list(by_task[t.id]["tests"]) == list(t.tests)
    outcomes = query(
        config.dataset,
        "SELECT v.status, len(v.outcomes) AS n, v.tests_total FROM verdicts v "
        "JOIN candidates c ON c.id = v.candidate_id WHERE c.role = 'solver'",
    ).to_pylist()
    assert {o["status"] for o in outcomes} == {"fail"}  # the echo is wrong everywhere
    assert all(o["n"] == o["tests_total"] == 3 for o in outcomes)  # one outcome per test


def test_a_statement_without_tests_is_a_task_labelling_can_take(tmp_path: Path) -> None:
    path = tmp_path / "statements.jsonl"
    path.write_text(json.dumps({"name": "echo", "question": "Print the input back."}) + "\n")
    (task,) = load(path, "apps")
    assert task.tests == () and task.meta["kind"] == "stdio"
    config = load_config(EXAMPLES / "stdio.yaml")  # labels: never
    with pytest.raises(TaskFileError, match=r"field tests: .*tester\.labels\.when: untested"):
        get("code").flow().check_tasks([task], config)
    labelled = load_config(EXAMPLES / "untested.yaml")
    tasks = load_tasks(labelled)
    get("code").flow().check_tasks([task, *tasks], labelled)
    assert len(tasks) == 5 and not any(t.tests or t.reference for t in tasks)
