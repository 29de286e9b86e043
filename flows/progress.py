"""Progress for long runs: one bar per stage on stderr, or plain lines when not a terminal."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Stage:
    """One stage's counter; prints a line per step when stderr is not a terminal."""

    label: str
    total: int
    _bar: Any = None
    _task: Any = None
    done: int = 0
    started: float = field(default_factory=time.monotonic)

    def advance(self, note: str = "") -> None:
        self.done += 1
        if self._bar is not None:
            self._bar.update(self._task, advance=1, description=f"{self.label} {note}".strip())
        else:
            elapsed = time.monotonic() - self.started
            extra = f" {note}" if note else ""
            print(
                f"[{self.label}] {self.done}/{self.total} ({elapsed:.0f}s){extra}",
                file=sys.stderr,
                flush=True,
            )

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()


class Progress:
    """Makes stages; quiet mode prints nothing (tests, `--quiet`)."""

    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet
        self.rich = sys.stderr.isatty() and not quiet

    def stage(self, label: str, total: int) -> Stage:
        stage = Stage(label, total)
        if self.quiet:
            stage.advance = lambda note="": None  # type: ignore[method-assign]
            return stage
        if self.rich:
            from rich.progress import BarColumn, MofNCompleteColumn, TimeElapsedColumn
            from rich.progress import Progress as Bar

            bar = Bar(
                "[bold]{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                transient=False,
            )
            bar.start()
            stage._bar, stage._task = bar, bar.add_task(label, total=total)
        else:
            print(f"[{label}] 0/{total}", file=sys.stderr, flush=True)
        return stage

    def note(self, text: str) -> None:
        if not self.quiet:
            print(text, file=sys.stderr, flush=True)
