"""`assay verify NAME`: every line of a JSONL file checked by a registered verifier, one
verdict line per input, through the engine's check lane on threads of this process (the lane
a run checks with, so verdicts match a run's, `config_hash` included).

Every line is validated before anything runs, so a bad file fails fast and writes nothing;
output keeps input order.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from assay.flows.engine.checks import checked, closing, thread_checks
from assay.verifiers import registry
from assay.verifiers.jsonl import InputError, read_items, verdict_line
from assay.verifiers.sandbox import Limits

PROGRESS_FROM = 50  # inputs; shorter files run quietly


@dataclass
class Summary:
    total: int
    statuses: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    output: str = "-"

    def __str__(self) -> str:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(self.statuses.items()))
        return f"verified {self.total} in {self.seconds:.1f}s ({counts}) -> {self.output}"


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
    verifier: str,
    input_path: Path,
    output_path: Path | None,
    limits: Limits,
    jobs: int = 1,
    options: dict[str, Any] | None = None,
) -> Summary:
    """Verify every line of `input_path` with the registered verifier `verifier`, built with
    `options`; write verdict lines to `output_path` (or stdout). `jobs` sandboxes check at once.

    The output file appears only when every check has run (written beside it, then renamed).
    """
    items = read_items(registry.configured(verifier, options), Path(input_path))
    if output_path is not None and not Path(output_path).parent.is_dir():
        raise InputError(f"{output_path}: its folder does not exist; create it or pick another")
    summary = Summary(len(items), output=str(output_path) if output_path else "-")
    started = time.monotonic()
    counts: Counter[str] = Counter()
    show = len(items) >= PROGRESS_FROM

    def lines() -> Iterator[dict[str, Any]]:
        with closing(thread_checks(limits, jobs)) as lane:
            verdicts = checked(lane, verifier, options, items)
            for done, (item, verdict) in enumerate(zip(items, verdicts, strict=True), 1):
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
