"""Verify a JSONL file of candidates with any registered verifier: one verdict line per input.

Every line is validated before anything runs, so a bad file fails fast and writes nothing.
Checks run over `jobs` threads, each owning one sandbox (its zygote is a separate process);
output keeps input order. Kept free of any CLI so flows and tests call it the same way.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from pydantic import BaseModel

from assay.schemas.jsonl import read_jsonl, validate_line
from assay.schemas.records import Verdict
from assay.verifiers.registry import Verifier
from assay.verifiers.sandbox import Limits, ZygoteSandbox, open_sandbox

PROGRESS_FROM = 50  # inputs; shorter files run quietly


class InputError(ValueError):
    """An input file that cannot be verified; the message names the file, line and field."""


@dataclass
class Summary:
    total: int
    statuses: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    output: str = "-"

    def __str__(self) -> str:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(self.statuses.items()))
        return f"verified {self.total} in {self.seconds:.1f}s ({counts}) -> {self.output}"


def read_items(verifier: Verifier, path: Path) -> list[BaseModel]:
    """Every line parsed and validated; the first bad one raises naming file, line and field."""
    return [
        validate_line(verifier.Item, obj, f"{path}:{number}", InputError)
        for number, obj in read_jsonl(Path(path), InputError)
    ]


def verdict_line(item: BaseModel, verdict: Verdict) -> dict[str, Any]:
    """One output line: the input's id and pass-through fields, then the verdict."""
    return {
        **(item.model_extra or {}),
        "id": getattr(item, "id", verdict.candidate_id),
        "status": verdict.status.value,
        "tests_passed": verdict.tests_passed,
        "tests_total": verdict.tests_total,
        "outcomes": [
            {"name": o.name, "status": o.status.value, "detail": o.detail} for o in verdict.outcomes
        ],
        "stderr_tail": verdict.stderr_tail,
        "duration_s": round(verdict.duration_s, 4),
        "isolation": verdict.isolation,
        "evidence": verdict.evidence,
        "config_hash": verdict.config_hash,  # what it was checked under, as a run records it
    }


class _Boxes:
    """One sandbox per worker thread; a broken sandbox is replaced once per check."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._all: list[ZygoteSandbox] = []
        self._lock = threading.Lock()

    def get(self, fresh: bool = False) -> ZygoteSandbox:
        box = getattr(self._local, "box", None)
        if box is None or fresh:
            if box is not None:
                box.close()
            box = open_sandbox()
            self._local.box = box
            with self._lock:
                self._all.append(box)
        return box

    def close(self) -> None:
        for box in self._all:
            box.close()


def run_checks(
    verifier: Verifier,
    items: list[BaseModel],
    limits: Limits,
    jobs: int,
    options: Mapping[str, Any] | None = None,
) -> Iterator[Verdict]:
    """Verdicts in input order; sandbox failures are retried once on a fresh sandbox, and an
    item that breaks that one too gets an `error` verdict. `options` are those `verifier` was
    built with: they are part of each verdict's `config_hash`, as in a run."""
    from assay.verifiers.batch import check_batch

    boxes = _Boxes()

    def one(item: BaseModel) -> Verdict:
        (verdict,) = check_batch(verifier, [item], boxes.get, limits, options)
        return verdict

    try:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            yield from pool.map(one, items)
    finally:
        boxes.close()


def _progress(done: int, total: int, passed: int, started: float) -> None:
    """A live line on a terminal; about ten plain lines in a log."""
    tty = sys.stderr.isatty()
    if not (tty and done % 10 == 0) and done % max(1, total // 10) and done != total:
        return
    rate = done / max(time.monotonic() - started, 1e-9)
    line = f"verified {done}/{total} ({passed} pass, {rate:.0f}/s)"
    sys.stderr.write(f"\r{line}" + ("\n" if done == total else "") if tty else line + "\n")
    sys.stderr.flush()


def _write_all(lines: Iterator[dict[str, Any]], out: IO[str]) -> None:
    for line in lines:
        out.write(json.dumps(line) + "\n")
        out.flush()


def verify_file(
    verifier: Verifier,
    input_path: Path,
    output_path: Path | None,
    limits: Limits,
    jobs: int = 1,
    options: Mapping[str, Any] | None = None,
) -> Summary:
    """Verify every line of `input_path`; write verdict lines to `output_path` (or stdout).

    The output file appears only when every check has run (written beside it, then renamed).
    """
    items = read_items(verifier, Path(input_path))
    if output_path is not None and not Path(output_path).parent.is_dir():
        raise InputError(f"{output_path}: its folder does not exist; create it or pick another")
    summary = Summary(len(items), output=str(output_path) if output_path else "-")
    started = time.monotonic()
    counts: Counter[str] = Counter()
    show = len(items) >= PROGRESS_FROM

    def lines() -> Iterator[dict[str, Any]]:
        for done, (item, verdict) in enumerate(
            zip(items, run_checks(verifier, items, limits, jobs, options), strict=True), 1
        ):
            counts[verdict.status.value] += 1
            if show:
                _progress(done, len(items), counts["pass"], started)
            yield verdict_line(item, verdict)

    if output_path is None:
        _write_all(lines(), sys.stdout)
    else:
        target = Path(output_path)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or ".")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                _write_all(lines(), out)
            os.replace(tmp, target)
        except BaseException:
            os.unlink(tmp)
            raise
    summary.statuses = dict(counts)
    summary.seconds = time.monotonic() - started
    return summary
