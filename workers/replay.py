"""A generator that replays canned answers after a fixed delay per call: the pipeline measured
(or tested) without a model. A call costs `delay_s` whether it holds one prompt or hundreds, as a
GPU batch does, so batching across tasks shows in the figures.

Answers come from a dict or a JSONL file of `{"key": ..., "texts": [...]}` lines. A request takes
the texts of its own key, else of its key's first two fields (`<task id>:<role>`), else of
`*:<role>`; the texts are cycled to give `n` samples. A request that matches nothing gets empty
texts (the roles then extract nothing from it).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from assay.workers.api import Completion, Request
from assay.workers.registry import register


@register("replay")
class ReplayGenerator:
    name = "replay"
    num_gpus = 0
    batch_size = 256  # what a GPU backend takes per call

    def __init__(
        self, answers: dict[str, list[str]] | str = "", delay_s: float = 0.0, model: str = "replay"
    ) -> None:
        if delay_s < 0:
            raise ValueError(f"replay backend: delay_s must be >= 0, got {delay_s}")
        if isinstance(answers, str) and answers and not Path(answers).is_file():
            raise ValueError(f"replay backend: answers file {answers!r} does not exist")
        self.answers = answers
        self.delay_s = delay_s
        self._model = model
        self._table: dict[str, list[str]] | None = None
        self.calls = 0

    @property
    def model(self) -> str:
        return self._model

    def setup(self) -> None:
        if self._table is not None:
            return
        if isinstance(self.answers, dict):
            self._table = {k: list(v) for k, v in self.answers.items()}
            return
        self._table = {}
        if self.answers:
            with open(self.answers, encoding="utf-8") as fh:
                for number, line in enumerate(fh, 1):
                    if not line.strip():
                        continue
                    try:
                        obj = json.loads(line)
                        self._table[str(obj["key"])] = [str(t) for t in obj["texts"]]
                    except (ValueError, KeyError, TypeError) as exc:
                        raise ValueError(
                            f"{self.answers}:{number}: a replay line needs key and texts: {exc}"
                        ) from None

    def texts(self, request: Request) -> tuple[str, ...]:
        """The `n` texts replayed for `request`."""
        assert self._table is not None
        fields = request.key.split(":")
        for key in (request.key, ":".join(fields[:2]), f"*:{fields[1] if len(fields) > 1 else ''}"):
            if found := self._table.get(key):
                return tuple(found[i % len(found)] for i in range(request.sampling.n))
        return ("",) * request.sampling.n

    def generate(self, requests: list[Request]) -> list[Completion]:
        self.setup()
        self.calls += 1
        if self.delay_s:
            time.sleep(self.delay_s)
        return [Completion(r.key, self.texts(r), self._model) for r in requests]

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_table": None}  # the table is loaded where it runs
