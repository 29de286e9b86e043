"""CodeContests lines become `assay verify program` lines that judge as the dataset says:
solutions pass, incorrect solutions fail, Python 2 is skipped and counted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from programs import SUM, needs

from assay.verifiers.program.contests import ContestsError, convert
from assay.verifiers.program.verifier import ProgramItem, ProgramVerifier
from assay.verifiers.sandbox import Limits

PROBLEM = {
    "name": "1_A. Sum",
    "public_tests": {"input": ["1 2\n"], "output": ["3\n"]},
    "private_tests": {"input": ["5 5\n"], "output": ["10\n"]},
    "generated_tests": {"input": ["-3 3\n"], "output": ["0\n"]},
    "solutions": {"language": [2, 3, 1], "solution": [SUM["cpp"], SUM["python"], "print 3"]},
    "incorrect_solutions": {"language": [3], "solution": ["print(3)\n"]},
    "time_limit": {"seconds": 1, "nanos": 500000000},
    "memory_limit_bytes": 268435456,
}


def test_codecontests_solutions_judge_as_the_dataset_says(box, tmp_path: Path) -> None:
    needs("cpp")
    source, target = tmp_path / "cc.jsonl", tmp_path / "programs.jsonl"
    source.write_text(json.dumps(PROBLEM) + "\n")
    count, skipped = convert(source, target)
    assert count == 3 and skipped == {"language 1": 1}
    lines = [json.loads(line) for line in target.read_text().splitlines()]
    assert lines[0]["limits"] == {"time_s": 1.5, "memory_mb": 256} and len(lines[0]["tests"]) == 3
    verifier = ProgramVerifier()
    for line in lines:
        verdict = verifier.check(ProgramItem(**line), box, Limits())
        assert verdict.status.value == line["expected"], (line["id"], verdict.outcomes)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": 3}, "field name"),
        ({"public_tests": {"input": ["1"], "output": []}}, "field public_tests"),
        ({"solutions": {"language": [2]}}, "field solutions"),
    ],
)
def test_a_line_that_is_not_a_problem_names_its_line_and_field(
    tmp_path: Path, change, field
) -> None:
    source = tmp_path / "cc.jsonl"
    source.write_text(json.dumps(PROBLEM) + "\n" + json.dumps({**PROBLEM, **change}) + "\n")
    with pytest.raises(ContestsError, match=rf"cc.jsonl:2: {field}"):
        convert(source, tmp_path / "out.jsonl")
    assert not (tmp_path / "out.jsonl").exists()
