"""HumanEval/MBPP-style files → Task records; the real HumanEval file when it is present."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from benchpaths import BENCHMARKS

from assay.flows.domains.code.importers import ImportFormatError, load, split_check

HUMANEVAL_TEST = """
METADATA = {"author": "x"}
import math


def check(candidate):
    table = [1, 2]
    assert candidate(1) == 2, "first"
    for x in table:
        assert abs(candidate(x) - x - 1) < 1e-9
    assert True
"""
LINE = {
    "task_id": "Demo/0",
    "prompt": "def inc(x):\n    '''Add one.'''\n",
    "canonical_solution": "    return x + 1\n",
    "test": HUMANEVAL_TEST,
    "entry_point": "inc",
}


def write(path: Path, rows: list) -> Path:
    text = "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows)
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    return path


def test_check_is_split_into_asserts_calling_the_entry_point() -> None:
    tests, setup = split_check(HUMANEVAL_TEST, "inc")
    assert tests == [
        "assert inc(1) == 2, 'first'",
        "for x in table:\n    assert abs(inc(x) - x - 1) < 1e-09",
        "assert True",
    ]
    assert setup == "METADATA = {'author': 'x'}\nimport math\ntable = [1, 2]"


def test_humaneval_lines_become_tasks(tmp_path: Path) -> None:
    (task,) = load(write(tmp_path / "he.jsonl.gz", [LINE]), "humaneval")
    assert (task.domain, task.source, task.name, task.entry_point) == (
        "code",
        "humaneval",
        "Demo/0",
        "inc",
    )
    assert task.reference == LINE["prompt"] + LINE["canonical_solution"]
    assert len(task.tests) == 3 and "candidate" not in "".join(task.tests)


def test_mbpp_lines_become_tasks(tmp_path: Path) -> None:
    row = {
        "task_id": 11,
        "text": "Write a function to add one.",
        "code": "def inc(x):\n    return x + 1",
        "test_list": ["assert inc(1) == 2", "assert inc(-1) == 0"],
        "test_setup_code": "import math",
    }
    (task,) = load(write(tmp_path / "mbpp.jsonl", [row]), "mbpp")
    assert (task.name, task.entry_point, task.setup) == ("11", "inc", "import math")
    assert task.tests == tuple(row["test_list"]) and task.reference == row["code"]
    assert task.prompt.startswith("Write a function to add one.")


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({**LINE, "entry_point": ""}, r"he\.jsonl:2: field entry_point"),
        ({k: v for k, v in LINE.items() if k != "test"}, r"he\.jsonl:2: field test: Field"),
        (
            {**LINE, "test": "def check(candidate):\n    pass\n"},
            r"he\.jsonl:2: field test: no assert",
        ),
        ({**LINE, "test": "def check(:"}, r"he\.jsonl:2: field test"),
        ("[1, 2]", r"he\.jsonl:2: each line must be a JSON object"),
        ("{oops", r"he\.jsonl:2: not valid JSON"),
    ],
)
def test_malformed_lines_name_file_line_and_field(tmp_path: Path, bad, message: str) -> None:
    with pytest.raises(ImportFormatError, match=message):
        load(write(tmp_path / "he.jsonl", [LINE, bad]), "humaneval")


def test_unknown_format_and_missing_file_are_explained(tmp_path: Path) -> None:
    with pytest.raises(ImportFormatError, match="unknown format 'taco'"):
        load(tmp_path / "x.jsonl", "taco")
    with pytest.raises(ImportFormatError, match="no such file"):
        load(tmp_path / "missing.jsonl", "humaneval")


@pytest.mark.benchmarks
def test_the_real_humaneval_file_imports() -> None:
    path = BENCHMARKS / "humaneval" / "HumanEval.jsonl.gz"
    if not path.exists():
        pytest.skip(f"the shared benchmarks are absent ({path})")
    tasks = load(path, "humaneval")
    assert len(tasks) == 164 and len({t.id for t in tasks}) == 164
    assert all(t.tests and t.entry_point in t.reference for t in tasks)
    assert not any("candidate(" in test for t in tasks for test in t.tests)
