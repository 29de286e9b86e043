"""Progress for long runs: one bar per stage on stderr, or plain lines when not a terminal.

Between a stage's steps a status says what is under way (`Generation`: prompts answered and
tokens per second), so the minutes a CPU model takes over its first batch, when no task has
finished yet, read as work and not as a hang."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import Any

STATUS_EVERY_S = 10.0  # plain lines: at most one status line this often


@dataclass
class Generation:
    """Prompts sent to the model and answered so far, and the tokens it wrote (where its
    backend reports them: `Completion.tokens`)."""

    sent: int = 0
    answered: int = 0
    tokens: int = 0
    started: float | None = None

    def submitted(self, prompts: int) -> None:
        if self.started is None:
            self.started = time.monotonic()
        self.sent += prompts

    def returned(self, answers: Any) -> None:
        """Count a `Generate`'s answers (an exception in their place answers nothing)."""
        done = [a for a in answers if hasattr(a, "texts")] if isinstance(answers, list) else []
        self.answered += len(done)
        self.tokens += sum(int(getattr(c, "tokens", 0)) for c in done)

    def line(self) -> str:
        """E.g. `prompts 8/14 answered, 31 tokens/s`; empty before any prompt was sent."""
        if not self.sent or self.started is None:
            return ""
        text = f"prompts {self.answered}/{self.sent} answered"
        if self.tokens:
            elapsed = max(time.monotonic() - self.started, 1e-3)
            text += f", {self.tokens / elapsed:.0f} tokens/s"
        return text


@dataclass
class Stage:
    """One stage's counter; prints a line per step when stderr is not a terminal."""

    label: str
    total: int
    _bar: Any = None
    _task: Any = None
    done: int = 0
    started: float = field(default_factory=time.monotonic)
    quiet: bool = False
    every_s: float = STATUS_EVERY_S
    _note: str = ""
    _status: str = ""
    _shown: tuple[str, float] = ("", float("-inf"))  # the last status line printed, and when

    def advance(self, note: str = "") -> None:
        self.done += 1
        self._note = note
        if self.quiet:
            return
        if self._bar is not None:
            self._bar.update(self._task, advance=1, description=self._description())
        else:
            self._print(note)

    def status(self, text: str) -> None:
        """What is under way between steps: on the bar at once; as a plain line when it
        changed, at most once every `every_s` seconds."""
        if self.quiet or text == self._status:
            return
        self._status = text
        if self._bar is not None:
            self._bar.update(self._task, description=self._description())
        elif text and time.monotonic() - self._shown[1] >= self.every_s:
            self._print("")

    def _description(self) -> str:
        return " · ".join(p for p in (f"{self.label} {self._note}".strip(), self._status) if p)

    def _print(self, note: str) -> None:
        elapsed = time.monotonic() - self.started
        extra = "".join(f" {p}" for p in (note, f"· {self._status}" if self._status else "") if p)
        print(f"[{self.label}] {self.done}/{self.total} ({elapsed:.0f}s){extra}", file=sys.stderr,
              flush=True)  # fmt: skip
        self._shown = (self._status, time.monotonic())

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()


class Progress:
    """Makes stages; quiet mode prints nothing (tests, `--quiet`)."""

    def __init__(self, quiet: bool = False, status_every_s: float = STATUS_EVERY_S) -> None:
        self.quiet = quiet
        self.rich = sys.stderr.isatty() and not quiet
        self.status_every_s = status_every_s

    def stage(self, label: str, total: int) -> Stage:
        stage = Stage(label, total, quiet=self.quiet, every_s=self.status_every_s)
        if self.quiet:
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
