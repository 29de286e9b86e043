"""A replay generator that fails on cue, to test and measure what a run does when a replica
dies on one prompt or stops answering (`tests/engine`, `bench/hang.py`).

- `die_on`: a request key containing this text kills the replica's process (`os._exit`), as a
  tokenizer crash or an out-of-memory on one prompt would.
- `load_s`: `setup` takes this long, as a large model's load does.
- `stop_at_s`: that long after `setup`, the process stops itself (SIGSTOP), as a wedged engine
  or a node that stops answering would. With `cue` (a file path) only the first replica to
  create that file stops, so its replacement runs on.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import Any

from assay.workers.api import Completion, Request
from assay.workers.registry import register
from assay.workers.replay import ReplayGenerator


@register("replay-faulty")
class FaultyReplay(ReplayGenerator):
    name = "replay-faulty"

    def __init__(
        self,
        answers: dict[str, list[str]] | str = "",
        delay_s: float = 0.0,
        model: str = "replay",
        die_on: str = "",
        stop_at_s: float = 0.0,
        cue: str = "",
        load_s: float = 0.0,
    ) -> None:
        super().__init__(answers, delay_s, model)
        self.load_s = load_s
        self.die_on = die_on
        self.stop_at_s = stop_at_s
        self.cue = cue
        self._armed = False

    def setup(self) -> None:
        if self._table is None and self.load_s:
            time.sleep(self.load_s)
        super().setup()
        if self.stop_at_s > 0 and not self._armed and self._first():
            self._armed = True
            timer = threading.Timer(self.stop_at_s, os.kill, (os.getpid(), signal.SIGSTOP))
            timer.daemon = True
            timer.start()

    def _first(self) -> bool:
        """Whether this process is the one the cue is for (the first to claim it)."""
        if not self.cue:
            return True
        try:
            os.close(os.open(self.cue, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return False
        return True

    def generate(self, requests: list[Request]) -> list[Completion]:
        if self.die_on and any(self.die_on in r.key for r in requests):
            os._exit(3)  # the process dies under this prompt, mid-call
        return super().generate(requests)

    def __getstate__(self) -> dict[str, Any]:
        return {**super().__getstate__(), "_armed": False}
