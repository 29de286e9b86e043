"""CodeContests lines as `assay verify program` lines: each solution one program, judged on its
problem's tests under its problem's limits.

A CodeContests line (deepmind/code_contests) has `name`, `public_tests`, `private_tests` and
`generated_tests` (each `{"input": [...], "output": [...]}`), `solutions` and
`incorrect_solutions` (each `{"language": [...], "solution": [...]}`; 2 is C++, 3 Python 3,
4 Java; Python 2 and unknown ones are skipped and counted), `time_limit` (`{"seconds",
"nanos"}`) and `memory_limit_bytes`. Each program line carries `problem` and `expected`
(`pass` for a solution, `fail` for an incorrect one), which `assay verify program` passes
through, so its output says where the judge and the dataset disagree.

    python -m assay.verifiers.program.contests code_contests.jsonl programs.jsonl
    assay verify program -i programs.jsonl -o verdicts.jsonl
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from assay.schemas.jsonl import read_jsonl

LANGUAGES = {2: "cpp", 3: "python", 4: "java"}  # CodeContests' Language enum
SETS = ("public_tests", "private_tests", "generated_tests")


class ContestsError(ValueError):
    """A line that is not a CodeContests problem; the message names the line and field."""


def _field(obj: dict[str, Any], name: str, where: str, kind: type) -> Any:
    value = obj.get(name)
    if not isinstance(value, kind):
        raise ContestsError(f"{where}: field {name}: expected {kind.__name__}, got {value!r:.60}")
    return value


def _pairs(obj: dict[str, Any], name: str, where: str) -> list[dict[str, str]]:
    group = obj.get(name) or {"input": [], "output": []}
    inputs, outputs = group.get("input"), group.get("output")
    if not (isinstance(inputs, list) and isinstance(outputs, list) and len(inputs) == len(outputs)):
        raise ContestsError(f"{where}: field {name}: needs input and output lists of one length")
    return [{"stdin": i, "stdout": o} for i, o in zip(inputs, outputs, strict=True)]


def programs(obj: Any, where: str, skipped: Counter[str], max_tests: int = 0) -> Iterator[dict]:
    """The program lines of one CodeContests problem (`skipped` counts the languages left out)."""
    if not isinstance(obj, dict):
        raise ContestsError(f"{where}: a line must be a JSON object")
    name = _field(obj, "name", where, str)
    tests = [t for group in SETS for t in _pairs(obj, group, where)]
    if not tests:
        raise ContestsError(f"{where}: field public_tests: the problem has no tests at all")
    tests = tests[:max_tests] if max_tests else tests
    limit = obj.get("time_limit") or {}
    seconds = float(limit.get("seconds") or 0) + float(limit.get("nanos") or 0) / 1e9
    memory = int(obj.get("memory_limit_bytes") or 0) // (1 << 20)
    limits = {"time_s": seconds or 2.0, "memory_mb": max(memory, 16) if memory else 256}
    for field, expected in (("solutions", "pass"), ("incorrect_solutions", "fail")):
        group = obj.get(field) or {"language": [], "solution": []}
        langs, codes = group.get("language"), group.get("solution")
        if not (isinstance(langs, list) and isinstance(codes, list) and len(langs) == len(codes)):
            raise ContestsError(f"{where}: field {field}: needs language and solution lists")
        for index, (lang, code) in enumerate(zip(langs, codes, strict=True)):
            if lang not in LANGUAGES:
                skipped[f"language {lang}"] += 1
                continue
            yield {
                "id": f"{name}/{field}/{index}",
                "language": LANGUAGES[lang],
                "code": code,
                "tests": tests,
                "limits": limits,
                "problem": name,
                "expected": expected,
            }


def convert(source: Path, target: Path, max_tests: int = 0) -> tuple[int, Counter[str]]:
    """Write the program lines of every problem in `source` to `target`; how many, and what
    was skipped. A bad line raises `ContestsError` before anything is written."""
    skipped: Counter[str] = Counter()
    lines = [
        line
        for number, obj in read_jsonl(source, ContestsError)
        for line in programs(obj, f"{source}:{number}", skipped, max_tests)
    ]
    target.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return len(lines), skipped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="CodeContests JSONL")
    parser.add_argument("target", type=Path, help="program JSONL for `assay verify program`")
    parser.add_argument("--max-tests", type=int, default=0, help="tests per problem (0: all)")
    args = parser.parse_args()
    try:
        count, skipped = convert(args.source, args.target, args.max_tests)
    except ContestsError as exc:
        raise SystemExit(str(exc)) from None
    left = ", ".join(f"{n} in {k}" for k, n in sorted(skipped.items())) or "none"
    print(f"wrote {count} programs to {args.target} (skipped: {left})")


if __name__ == "__main__":
    main()
