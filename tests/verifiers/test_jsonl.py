"""`verify_file` end to end on the real sandbox: validation first, order kept, fields through."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assay.flows.verify import verify_file
from assay.verifiers.jsonl import InputError
from assay.verifiers.sandbox import Limits

LIMITS = Limits(wall_s=1, cpu_s=1, memory_mb=512)
GOOD = "def inc(x):\n    return x + 1\n"
LINES = [
    {"id": "good", "code": GOOD, "tests": ["assert inc(1) == 2"], "model": "m1"},
    {"id": "wrong", "code": "def inc(x):\n    return x\n", "tests": ["assert inc(1) == 2"]},
    {"id": "hang", "code": "def inc(x):\n    while True: pass\n", "tests": ["assert inc(1) == 2"]},
    {"id": "syntax", "code": "def inc(x) return x", "tests": ["assert inc(1) == 2"]},
    {"id": 7, "code": GOOD, "tests": ["assert candidate(1) == 2"], "entry_point": "inc"},
]


def write(path: Path, rows: list) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def test_every_line_gets_a_verdict_in_input_order(tmp_path: Path) -> None:
    src = write(tmp_path / "in.jsonl", LINES * 2)
    out = tmp_path / "out.jsonl"
    summary = verify_file("python", src, out, LIMITS, jobs=2)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == [r["id"] for r in LINES] * 2
    statuses = [r["status"] for r in rows[:5]]
    assert statuses == ["pass", "fail", "timeout", "compile_error", "pass"]
    assert summary.total == 10 and summary.statuses["pass"] == 4
    first = rows[0]
    assert first["model"] == "m1"  # an extra input field passes through
    assert (first["tests_passed"], first["tests_total"]) == (1, 1)
    assert first["outcomes"] == [{"name": "assert inc(1) == 2", "status": "pass", "detail": ""}]
    assert {"stderr_tail", "duration_s", "isolation"} <= first.keys() and first["isolation"]
    assert all(r["judged"] is True and "reason" not in r for r in rows)  # wrong is judged too


def test_a_check_that_itself_failed_is_written_not_judged() -> None:
    from assay.verifiers import registry
    from assay.verifiers.batch import broken_verdict
    from assay.verifiers.jsonl import verdict_line

    item = registry.get("python").Item.model_validate(LINES[0])
    line = verdict_line(item, broken_verdict(item, "python", "verifier worker lost 3 times"))
    assert (line["status"], line["judged"]) == ("error", False)
    assert line["reason"] == "verifier worker lost 3 times"


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ('{"id": "x", "code": "pass"}', r"in\.jsonl:2: field tests: Field required"),
        ('{"id": "x", "code": "pass", "tests": "assert 1"}', r"in\.jsonl:2: field tests"),
        ("{not json", r"in\.jsonl:2: not valid JSON"),
    ],
)
def test_a_bad_line_names_file_line_and_field_and_writes_nothing(
    tmp_path: Path, bad: str, message: str
) -> None:
    src = write(tmp_path / "in.jsonl", [LINES[0], bad, LINES[1]])
    out = tmp_path / "out.jsonl"
    with pytest.raises(InputError, match=message):
        verify_file("python", src, out, LIMITS, jobs=1)
    assert list(tmp_path.iterdir()) == [src]


def test_without_output_lines_go_to_stdout(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    src = write(tmp_path / "in.jsonl", LINES[:2])
    verify_file("python", src, None, LIMITS, jobs=1)
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["id"], r["status"]) for r in rows] == [("good", "pass"), ("wrong", "fail")]
