"""A generator of planted completions in place of a model, for the domains' flow tests: each
domain's planted answers are keyed its own way, the answering is written once here."""

from __future__ import annotations

from assay.workers.api import Completion, Request


class Planted:
    """Answers each request with `texts(task_id, kind)` (kind: the role's part of the request
    key, e.g. `solver` or `repair1`) cut to the request's `n`; records every prompt shown."""

    name = "planted"
    model = "planted"

    def __init__(self) -> None:
        self.prompts: list[str] = []

    def setup(self) -> None:
        return None

    def texts(self, task_id: str, kind: str) -> list[str]:
        raise NotImplementedError

    def generate(self, requests: list[Request]) -> list[Completion]:
        out = []
        for request in requests:
            self.prompts.append(request.messages[-1]["content"])
            task_id, kind = request.key.split(":")[:2]
            texts = self.texts(task_id, kind)
            out.append(Completion(request.key, tuple(texts[: request.sampling.n]), "planted"))
        return out
