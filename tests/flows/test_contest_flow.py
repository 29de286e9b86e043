"""Programs in other languages through the code flow: CodeContests lines, the run's and a
task's language, C++ solved, repaired, judged by the program verifier and kept, a task's own
checker program, and what stays Python only (function tasks)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from assay.flows.config import RunConfig, load_config
from assay.flows.domains import get
from assay.flows.domains.code.config import LANGUAGES
from assay.flows.domains.code.importers import ImportFormatError, load
from assay.flows.domains.code.languages import resolve
from assay.flows.engine.compute import Compute
from assay.flows.engine.rounds import run_programs
from assay.flows.progress import Progress
from assay.flows.roles import get_role
from assay.flows.sources import TaskFileError, load_tasks
from assay.schemas.query import query
from assay.verifiers.program.languages import LANGUAGES as PROGRAM_LANGUAGES
from assay.workers.api import Sampling
from assay.workers.replay import ReplayGenerator

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ECHO_CPP = "#include <iostream>\nint main() { std::cout << std::cin.rdbuf(); }\n"


def test_the_code_section_knows_the_program_verifiers_languages() -> None:
    assert set(LANGUAGES) == set(PROGRAM_LANGUAGES)


def test_contest_lines_become_tasks_whose_reference_is_in_the_runs_language() -> None:
    config = load_config(EXAMPLES / "contest.yaml")
    tasks = load_tasks(config)
    get("code").flow().check_tasks(tasks, config)
    assert [t.name for t in tasks][:2] == ["sum_two", "count_vowels"] and len(tasks) == 5
    first = tasks[0]
    assert first.meta["kind"] == "stdio" and first.meta["limits"] == {
        "time_s": 2.0,
        "memory_mb": 256,
    }
    assert len(first.tests) == 3  # public, then private tests
    assert json.loads(first.tests[0]) == {"stdin": "1 2\n", "stdout": "3\n"}
    assert resolve(first, config).reference.startswith("#include")  # the C++ solution
    assert resolve(first, config).meta["language"] == "cpp"
    python = load_config(EXAMPLES / "contest.yaml", ["code.language=python"])
    assert resolve(first, python).reference.startswith("a, b = map(int")
    rust = load_config(EXAMPLES / "contest.yaml", ["code.language=rust"])
    assert resolve(first, rust).reference == ""  # none brought in Rust
    assert config.id != python.id  # the language is part of what a run makes


def _contest(tmp: Path, **fields) -> Path:
    line = {
        "name": "p",
        "description": "Print a + b.",
        "public_tests": {"input": ["1 2\n"], "output": ["3\n"]},
        "solutions": {"language": [2], "solution": ["int main() {}"]},
    } | fields
    path = tmp / "contests.jsonl"
    path.write_text(json.dumps(line) + "\n")
    return path


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"public_tests": {"input": ["1"], "output": []}}, "field public_tests: as many outputs"),
        ({"solutions": {"language": [2, 3], "solution": ["x"]}}, "field solutions: as many"),
        ({"description": ""}, "description"),
    ],
)
def test_bad_contest_lines_name_the_file_line_and_field(tmp_path: Path, fields, message) -> None:
    with pytest.raises(ImportFormatError, match=message) as err:
        load(_contest(tmp_path, **fields), "codecontests")
    assert f"{tmp_path / 'contests.jsonl'}:1" in str(err.value)


def test_a_tasks_own_language_and_checker_are_checked_before_the_run(tmp_path: Path) -> None:
    config = load_config(None, ["domain=code"])
    checks = get("code").flow().check_tasks
    (task,) = load(_contest(tmp_path, language="cobol"), "codecontests")
    with pytest.raises(TaskFileError, match=r"task 'p' .*field meta\.language: 'cobol'"):
        checks([task], config)
    (task,) = load(_contest(tmp_path, checker={"language": "cpp"}), "codecontests")
    with pytest.raises(TaskFileError, match=r"field meta\.checker: a checker program needs"):
        checks([task], config)


def test_function_tasks_refuse_another_language_naming_the_task_and_field(tmp_path: Path) -> None:
    config = load_config(None, ["code.language=cpp"])
    tasks = load_tasks(config)  # the bundled seeds: Python functions
    with pytest.raises(TaskFileError, match=r"task '\w+' \(seed\): field code\.language .*'cpp'"):
        get("code").flow().check_tasks(tasks, config)
    own = replace(tasks[0], meta={**tasks[0].meta, "language": "java"})
    with pytest.raises(TaskFileError, match=r"field meta\.language: 'java', but function tasks"):
        get("code").flow().check_tasks([own], load_config(None, []))
    get("code").flow().check_tasks(tasks, load_config(None, []))  # Python: as before


def test_labelling_is_refused_for_tasks_judged_by_a_checker_program(tmp_path: Path) -> None:
    checker = {"language": "python", "code": "import sys"}
    (task,) = load(_contest(tmp_path, public_tests={}, checker=checker), "codecontests")
    config = load_config(None, ["code.language=cpp", "tester.labels.when=untested"])
    with pytest.raises(TaskFileError, match=r"field meta\.checker: labels by agreement group"):
        get("code").flow().check_tasks([task], config)


def test_the_roles_ask_for_and_read_back_the_tasks_language() -> None:
    config = load_config(EXAMPLES / "contest.yaml")
    task = resolve(load_tasks(config)[0], config)
    request = get_role("code", "solver").build(task, Sampling(), key="k")
    text = " ".join(m["content"] for m in request.messages)
    assert "complete C++ program" in text and "```cpp" in text and "Python" not in text
    answer = f"Idea:\n```python\nprint(1)\n```\nCode:\n```c++\n{ECHO_CPP}```\n"
    assert get_role("code", "solver").extract(answer, task) == ECHO_CPP
    assert get_role("code", "solver").extract("int main() {}", task) is None  # needs a fence
    repair = get_role("code", "repairer").build(task, Sampling(), key="r", failing=ECHO_CPP)
    assert "```cpp\n#include" in repair.messages[1]["content"]
    apps = load_config(EXAMPLES / "stdio.yaml", ["code.language=java"])
    java = resolve(load_tasks(apps)[0], apps)  # an APPS line: its header said Python
    shown = get_role("code", "solver").build(java, Sampling(), key="j").messages[1]["content"]
    assert "complete Java program" in shown and "Python" not in shown and java.reference == ""


def _run(config, answers) -> None:
    parts = get("code").flow()
    tasks = load_tasks(config)
    parts.check_tasks(tasks, config)
    state = parts.open_state(config, tasks)
    with Compute.local(ReplayGenerator(answers), "python", state.limits, jobs=2) as compute:
        run_programs(state, parts, compute, Progress(quiet=True))


def test_a_cpp_task_goes_solver_program_verifier_repair_sample(tmp_path: Path) -> None:
    config = load_config(
        EXAMPLES / "contest.yaml",
        [f"dataset={tmp_path / 'ds'}", "solver.n=1", "repair={rounds: 1, n: 1}",
         "tasks=[{file: " + str(EXAMPLES / "stdio/contests.jsonl") + ", format: codecontests, "
         "limit: 2}]"],
    )  # fmt: skip
    tasks = [resolve(t, config) for t in load_tasks(config)]
    answers = {}
    for t in tasks:
        answers[f"{t.id}:solver"] = [f"```cpp\n{ECHO_CPP}```"]  # echoes its input: wrong
        answers[f"{t.id}:repair1"] = [f"Fixed:\n```cpp\n{t.reference}```"]
    _run(config, answers)
    samples = query(config.dataset, "SELECT task_id, response FROM samples").to_pylist()
    assert {s["task_id"]: s["response"] for s in samples} == {t.id: t.reference for t in tasks}
    verdicts = query(
        config.dataset,
        "SELECT c.role, c.round, v.verifier, v.status, v.tests_total, len(v.outcomes) AS n, "
        "v.evidence FROM verdicts v JOIN candidates c ON c.id = v.candidate_id",
    ).to_pylist()
    assert {(v["role"], v["status"]) for v in verdicts} == {
        ("solver", "fail"),
        ("repairer", "pass"),
    }
    assert all(v["verifier"] == "program" and v["n"] == v["tests_total"] == 3 for v in verdicts)
    evidence = json.loads(verdicts[0]["evidence"])
    assert evidence["language"] == "cpp" and evidence["toolchain"].startswith("g++")
    assert evidence["provenance"]["limits"] == {"time_s": 2.0, "memory_mb": 256}


CHECKER = """import sys
n = int(open(sys.argv[1]).read())
got = open(sys.argv[2]).read().split()
sys.exit(0 if len(got) == 2 and int(got[0]) + int(got[1]) == n else 1)
"""


def test_a_task_carrying_its_own_checker_program_passes_any_right_answer(tmp_path: Path) -> None:
    line = {
        "name": "split",
        "description": "Read n. Print two integers whose sum is n.",
        "public_tests": {"input": ["5\n", "10\n"], "output": ["2 3\n", "5 5\n"]},
        "checker": {"language": "python", "code": CHECKER},
    }
    path = tmp_path / "split.jsonl"
    path.write_text(json.dumps(line) + "\n")
    config = load_config(
        None,
        [f"dataset={tmp_path / 'ds'}", "solver.n=3", "tester.n=0", "repair.rounds=0",
         "tasks=[{file: " + str(path) + ", format: codecontests}]"],
    )  # fmt: skip
    (task,) = load_tasks(config)  # Python, judged by the program verifier for its checker
    programs = ["n = int(input())\nprint(0, n)\n", "n = int(input())\nprint(n - 1, 1)\n",
                "n = int(input())\nprint(n, n)\n"]  # fmt: skip
    _run(config, {f"{task.id}:solver": [f"```python\n{p}```" for p in programs]})
    rows = query(
        config.dataset,
        "SELECT c.text, v.verifier, v.status FROM verdicts v JOIN candidates c "
        "ON c.id = v.candidate_id",
    ).to_pylist()
    status = {r["text"]: r["status"] for r in rows}
    assert status == {programs[0]: "pass", programs[1]: "pass", programs[2]: "fail"}
    assert {r["verifier"] for r in rows} == {"program"}


GEN = (
    "import random\n"
    "def generate_test_input(scale):\n"
    "    return f'{random.randint(-scale, scale)} {random.randint(0, scale)}'\n"
    "def validate_test_input(text):\n"
    "    return len(text.split()) == 2\n"
)
SUM_CPP = [
    "#include <iostream>\nint main() { long long a, b; std::cin >> a >> b; "
    "std::cout << a + b << std::endl; }\n",
    '#include <cstdio>\nint main() { long long a, b; scanf("%lld %lld", &a, &b); '
    'printf("%lld\\n", a + b); }\n',
    "#include <iostream>\nint main() { int a, b; std::cin >> a >> b; std::cout << b + a; }\n",
]
DIFF_CPP = "#include <iostream>\nint main() { int a, b; std::cin >> a >> b; std::cout << a - b; }\n"


def _labelled_cpp(
    tmp: Path, solutions: dict[str, str], programs: list[str], inputs: int, max_scale: int
) -> RunConfig:
    """A run of one C++ stdin/stdout task without tests (a + b), labelled by agreement of
    `programs` (the solver's answers) on the inputs of one generator; run to its end."""
    path = tmp / "tasks.jsonl"
    meta = {"kind": "stdio", "checker": "tokens", "language": "cpp", "solutions": solutions}
    line = {"name": "sum_two", "prompt": "Read a and b. Print a + b.", "entry_point": "main"}
    path.write_text(json.dumps(line | {"meta": meta}) + "\n")
    labels = f"{{when: untested, generators: 1, inputs: {inputs}, solutions: 4, "
    labels += f"max_scale: {max_scale}}}"
    config = load_config(
        None,
        [f"dataset={tmp / 'ds'}", f"solver.n={len(programs)}", "tester.n=0", "repair.rounds=0",
         "tasks=[{file: " + str(path) + "}]", f"tester.labels={labels}"],
    )  # fmt: skip
    (task,) = load_tasks(config)
    answers = {
        f"{task.id}:inputgen": [f"```python\n{GEN}```"],
        f"{task.id}:solver": [f"```cpp\n{p}```" for p in programs],
    }
    _run(config, answers)
    return config


def test_cpp_programs_label_a_task_without_tests_by_agreement(tmp_path: Path) -> None:
    """Outputs of C++ programs are recorded (`program-outputs`) and vote like Python ones."""
    config = _labelled_cpp(tmp_path, {}, [*SUM_CPP, DIFF_CPP], inputs=6, max_scale=20)
    rows = query(
        config.dataset,
        "SELECT c.text, v.verifier, v.status, v.against FROM verdicts v JOIN candidates c "
        "ON c.id = v.candidate_id WHERE c.role = 'solver'",
    ).to_pylist()
    recorded = {r["text"] for r in rows if r["verifier"] == "program-outputs"}
    assert recorded == {*SUM_CPP, DIFF_CPP}
    judged = {r["text"]: r["status"] for r in rows if r["against"].startswith("pool:")}
    assert judged == {**dict.fromkeys(SUM_CPP, "pass"), DIFF_CPP: "fail"}
    (sample,) = query(config.dataset, "SELECT response, level FROM samples").to_pylist()
    assert sample["level"] == "agreement_labelled" and sample["response"] in SUM_CPP


MINUS_CPP = [
    "#include <iostream>\nint main() { long long a, b; std::cin >> a >> b; "
    "std::cout << a - b << std::endl; }\n",
    '#include <cstdio>\nint main() { int a, b; scanf("%d %d", &a, &b); printf("%d\\n", a-b); }\n',
]
SUM_C = '#include <stdio.h>\nint main(void) { long a, b; scanf("%ld %ld", &a, &b); '
SUM_C += 'printf("%ld\\n", a + b); return 0; }\n'


def test_the_tasks_solutions_in_other_languages_vote_with_the_sampled_programs(
    tmp_path: Path,
) -> None:
    """Two right and two wrong C++ samples tie (2 of 4 is under the 0.6 share), so alone they
    label only the inputs where both answers agree; the task's own Python and C solutions vote
    too (distinct programs in other languages), 4 of 6 agree, and the wrong ones fail."""
    solutions = {"python": "a, b = map(int, input().split())\nprint(a + b)\n", "c": SUM_C}
    config = _labelled_cpp(tmp_path, solutions, [*SUM_CPP[:2], *MINUS_CPP], inputs=8, max_scale=50)
    voters = query(
        config.dataset,
        "SELECT candidate_id, evidence FROM verdicts WHERE verifier = 'program-outputs'",
    ).to_pylist()
    languages = {json.loads(v["evidence"])["language"] for v in voters}
    assert languages == {"cpp", "python", "c"} and len(voters) == 6
    rows = query(
        config.dataset,
        "SELECT c.text, v.status FROM verdicts v JOIN candidates c ON c.id = v.candidate_id "
        "WHERE v.against LIKE 'pool:%'",
    ).to_pylist()
    status = {r["text"]: r["status"] for r in rows}
    assert status == {**dict.fromkeys(SUM_CPP[:2], "pass"), **dict.fromkeys(MINUS_CPP, "fail")}
    (sample,) = query(config.dataset, "SELECT tests FROM samples").to_pylist()
    notes = {json.loads(test)["agreement"] for test in sample["tests"]}
    assert "4/6" in notes  # the inputs where the sampled programs alone tied
