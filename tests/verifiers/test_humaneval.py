"""HumanEval through `verify_file` (what `assay verify python` runs): every canonical solution
passes its own tests, and a mutant of each (every return value changed) fails."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from benchpaths import BENCHMARKS
from mutants import mutate

from assay.flows.domains.code.importers import load
from assay.flows.verify import verify_file
from assay.verifiers.sandbox import Limits

HUMANEVAL = BENCHMARKS / "humaneval" / "HumanEval.jsonl.gz"


@pytest.mark.benchmarks
def test_canonical_solutions_pass_and_mutants_fail(tmp_path: Path) -> None:
    if not HUMANEVAL.exists():
        pytest.skip(f"the shared benchmarks are absent ({HUMANEVAL})")
    tasks = load(HUMANEVAL, "humaneval")
    rows = []
    for t in tasks:
        for kind, code in (
            ("canonical", t.reference),
            ("mutant", mutate(t.reference, t.entry_point)),
        ):
            item = {"id": f"{t.name}/{kind}", "code": code, "tests": list(t.tests)}
            rows.append({**item, "setup": t.setup, "entry_point": t.entry_point, "kind": kind})
    src = tmp_path / "humaneval.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "verdicts.jsonl"
    verify_file("python", src, out, Limits(wall_s=10, cpu_s=10), jobs=2)
    verdicts = [json.loads(line) for line in out.read_text().splitlines()]
    canonical = [v for v in verdicts if v["kind"] == "canonical"]
    mutants = [v for v in verdicts if v["kind"] == "mutant"]
    failing = [
        (v["id"], v["status"], v["stderr_tail"][-200:]) for v in canonical if v["status"] != "pass"
    ]
    surviving = [v["id"] for v in mutants if v["status"] == "pass"]
    print(
        f"canonical pass {len(canonical) - len(failing)}/{len(canonical)}, "
        f"mutants caught {len(mutants) - len(surviving)}/{len(mutants)}"
    )
    assert (len(canonical), len(mutants)) == (164, 164)
    assert failing == [] and surviving == []
    assert all(v["status"] == "fail" for v in mutants)  # wrong answers, not crashes
