"""A planted population for `solver.policy: dart`: each code seed task is easy (every sample
right), hard (a sample is right only from its `right_from`-th on, counted over the task's waves)
or impossible (never right). Samples differ by a constant, so none merges with another."""

from __future__ import annotations

from pathlib import Path

from assay.flows.config import RunConfig, load_config
from assay.flows.sources import load_tasks
from assay.workers.api import Completion, Request
from assay.workers.replay import ReplayGenerator

HARD_FROM = 3  # a hard task's first right sample (0-based, over all its waves)


def config(dataset: Path, *more: str) -> RunConfig:
    """Six code seed tasks, no tester (the trusted tests judge), no repair round."""
    base = [f"dataset={dataset}", "tasks=[{seed: code, limit: 6}]", "tester.n=0",
            "repair={rounds: 0, n: 1}"]  # fmt: skip
    return load_config(None, [*base, *more])


def kinds(config: RunConfig) -> dict[str, str]:
    """Task id -> easy, hard or impossible (two of each)."""
    names = ("easy", "hard", "impossible")
    return {t.id: names[i % 3] for i, t in enumerate(load_tasks(config))}


class Planted(ReplayGenerator):
    """Right or wrong samples by the task's kind and the sample's place among its waves;
    counts what it generated."""

    def __init__(self, config: RunConfig) -> None:
        super().__init__({})
        self.tasks = {t.id: t for t in load_tasks(config)}
        self.kind = kinds(config)
        self.n = config.solver.n
        self.generated = 0

    def texts(self, request: Request) -> tuple[str, ...]:
        fields = request.key.split(":")
        t = self.tasks[fields[0]]
        wave = int(fields[-1][1:]) if fields[-1].startswith("w") else 0
        out = []
        for i in range(request.sampling.n):
            place = wave * self.n + i
            right = self.kind[t.id] == "easy" or (
                self.kind[t.id] == "hard" and place >= HARD_FROM and fields[1] == "solver"
            )
            body = t.reference if right else f"def {t.entry_point}(*a, **k):\n    return None\n"
            out.append(f"```python\n{body}\n_SAMPLE = {request.key!r}, {i}\n```")
        self.generated += request.sampling.n
        return tuple(out)

    def generate(self, requests: list[Request]) -> list[Completion]:
        self.calls += 1
        return [Completion(r.key, self.texts(r), self.model) for r in requests]
