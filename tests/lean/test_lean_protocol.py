"""Every answer the real REPL gave in its own test suite parses into typed values, and the
process wrapper round-trips every recorded command and answer over real pipes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from lean_standin import STANDIN, transcripts
from replay_repl import blocks, raw_blocks

from assay.verifiers.lean.process import ReplProcess
from assay.verifiers.lean.protocol import (
    CommandResponse,
    ProofStepResponse,
    ProtocolError,
    ReplError,
    parse,
    parse_text,
)


def pairs() -> list[tuple[Path, Path]]:
    root = transcripts()
    found = sorted(root.glob("*.in")) + sorted((root / "Mathlib" / "test").glob("*.in"))
    return [
        (i, i.with_suffix(".expected.out"))
        for i in found
        if i.with_suffix(".expected.out").exists()
    ]


def test_every_recorded_answer_parses() -> None:
    kinds: dict[type, int] = {}
    total = 0
    for inp, out in pairs():
        answers = raw_blocks(out.read_text())
        assert len(answers) == len(blocks(inp.read_text())), inp.name
        for text in answers:
            answer = parse_text(text)
            kinds[type(answer)] = kinds.get(type(answer), 0) + 1
            raw = json.loads(text)
            if isinstance(answer, CommandResponse):
                assert answer.env == raw["env"]
                assert len(answer.messages) == len(raw.get("messages", []))
                assert len(answer.sorries) == len(raw.get("sorries", []))
                assert len(answer.tactics) == len(raw.get("tactics", []))
            elif isinstance(answer, ProofStepResponse):
                assert answer.goals == tuple(raw["goals"])
                assert answer.proof_status == raw.get("proofStatus", "")
            total += 1
    assert total > 200
    assert kinds[CommandResponse] and kinds[ProofStepResponse] and kinds[ReplError]


def test_readme_transcript_fields() -> None:
    first, second, third = (
        parse_text(t) for t in raw_blocks((transcripts() / "readme.expected.out").read_text())
    )
    assert isinstance(first, CommandResponse) and first.env == 0
    assert first.sorries[0].goal == "x : Unit\n⊢ Nat" and first.sorries[0].proof_state == 0
    assert first.messages[0].severity == "warning" and "sorry" in first.messages[0].data
    assert isinstance(second, ProofStepResponse) and second.goals == ("x : Unit\n⊢ Int",)
    assert isinstance(third, ProofStepResponse) and third.proof_status == "Completed"


def test_errors_and_unknown_env_are_typed() -> None:
    answers = [
        parse_text(t)
        for t in raw_blocks((transcripts() / "app_type_mismatch.expected.out").read_text())
    ]
    assert any(isinstance(a, CommandResponse) and a.errors() for a in answers)
    unknown = parse_text((transcripts() / "unknown_environment.expected.out").read_text())
    assert unknown == ReplError("Unknown environment.")


@pytest.mark.parametrize(
    "bad", [[], {"env": "x"}, {"env": 0, "messages": [{"severity": "loud"}]}, {"x": 1}]
)
def test_malformed_answers_raise(bad: object) -> None:
    with pytest.raises(ProtocolError):
        parse(bad)


def test_process_round_trips_every_transcript(tmp_path: Path) -> None:
    """One stand-in replays all transcripts in order; the wrapper frames and parses each."""
    files = [i for i, _ in pairs()]
    argv = ["python3", str(STANDIN), "--sequence", *map(str, files)]
    tmp_path.chmod(0o755)  # the project must be readable by the REPL's own uid
    proc = ReplProcess(argv, tmp_path, {"PATH": "/usr/bin:/bin"})
    try:
        count = 0
        for inp, out in zip(files, (o for _, o in pairs()), strict=True):
            for request, text in zip(
                blocks(inp.read_text()), raw_blocks(out.read_text()), strict=True
            ):
                assert proc.request(json.loads(request), timeout_s=10) == parse_text(text)
                count += 1
        assert count > 200 and proc.alive()
        assert re.search(r"rlimits", proc.isolation)
    finally:
        proc.kill()
