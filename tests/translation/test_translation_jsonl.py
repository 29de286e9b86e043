"""`assay verify translation` reads JSONL: one verdict line per input line, in order."""

from __future__ import annotations

import json

import pytest
import translation_cases as cases

from assay.flows.verify import verify_file
from assay.verifiers.jsonl import InputError


def test_verify_file(limits, verify_lines) -> None:
    small = [cases.sum_test(1 << 16)]
    lines = [
        cases.sum_item(cases.GOOD_SUM, small, id="good", origin="planted"),
        cases.sum_item(cases.OFF_BY_ONE, small, id="off_by_one"),
        cases.sum_item(cases.EXITS_EARLY, small, id="exits_early"),
    ]
    got, summary = verify_lines("translation", lines, limits)
    assert [(g["id"], g["status"]) for g in got] == [
        ("good", "pass"),
        ("off_by_one", "fail"),
        ("exits_early", "cheat"),
    ]
    assert got[0]["origin"] == "planted"  # extra fields pass through
    assert got[0]["evidence"]["level"] == "ran_cpu"
    assert summary.statuses == {"pass": 1, "fail": 1, "cheat": 1}


def test_bad_line_fails_before_anything_runs(tmp_path, limits) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": 1, "source": "x", "translation": "y", "tests": []}) + "\n")
    with pytest.raises(InputError, match="tests"):
        verify_file("translation", source, tmp_path / "out.jsonl", limits)
    assert not (tmp_path / "out.jsonl").exists()
