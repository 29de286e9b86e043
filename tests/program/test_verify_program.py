"""`assay verify program`: JSONL in, one verdict line per program out; a malformed line fails
before anything runs, naming its line and field."""

from __future__ import annotations

import json
from pathlib import Path

from programs import SUM, needs
from typer.testing import CliRunner

from assay.flows.cli import app

SUM_TESTS = [{"stdin": "1 2\n", "stdout": "3\n"}, {"stdin": "4 5", "stdout": "9"}]
CHECKER = {
    "language": "python",
    "code": "import sys\nsys.exit(0 if open(sys.argv[2]).read().split() else 1)\n",
}


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def test_verify_program_judges_a_file_of_programs(tmp_path: Path) -> None:
    needs("cpp")
    rows = [
        {"id": "a", "language": "cpp", "code": SUM["cpp"], "tests": SUM_TESTS, "source": "kept"},
        {"id": "b", "language": "python", "code": "print(0)\n", "tests": SUM_TESTS},
        {"id": "c", "language": "cpp", "code": SUM["cpp"], "tests": SUM_TESTS[:1],
         "checker": CHECKER, "limits": {"time_s": 1, "memory_mb": 64}},
        {"id": "d", "language": "cpp", "code": "int main() { return x; }", "tests": SUM_TESTS},
    ]  # fmt: skip
    out = tmp_path / "verdicts.jsonl"
    result = CliRunner().invoke(
        app, ["verify", "program", "-i", str(_write(tmp_path / "in.jsonl", rows)), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(v["id"], v["status"]) for v in lines] == [
        ("a", "pass"), ("b", "fail"), ("c", "pass"), ("d", "compile_error"),
    ]  # fmt: skip
    assert lines[0]["source"] == "kept" and lines[0]["evidence"]["toolchain"].startswith("g++")
    assert lines[0]["evidence"]["cached"] or lines[2]["evidence"]["cached"]  # built once
    assert lines[2]["evidence"]["checker"].startswith("program:python:")
    assert lines[0]["config_hash"] != lines[2]["config_hash"]  # other limits, other checker


def test_a_malformed_line_names_its_line_and_field(tmp_path: Path) -> None:
    good = {"id": "a", "language": "cpp", "code": "", "tests": SUM_TESTS}
    for bad, field in [
        ({**good, "language": "cobol"}, "field language"),
        ({**good, "tests": [{"stdin": "1"}]}, "field tests.0.stdout"),
        ({**good, "limits": {"time_s": 0, "memory_mb": 64}}, "field limits.time_s"),
        ({**good, "checker": {"language": "cpp"}}, "field checker"),
    ]:
        path = _write(tmp_path / "in.jsonl", [good, bad])
        result = CliRunner().invoke(app, ["verify", "program", "-i", str(path)])
        assert result.exit_code == 2
        assert f"{path}:2: {field}" in result.output, result.output
