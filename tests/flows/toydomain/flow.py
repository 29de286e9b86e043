"""The toy domain's flow parts, on the engine's skeleton: sample answers, check them, one repair
round for lines not yet reversed, then keep every passing answer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assay.flows.config import RunConfig
from assay.flows.engine import domain_flow
from assay.flows.engine.domain_flow import Rounds, checked, importer, repair_rounds, select
from assay.flows.engine.steps import Program
from assay.flows.roles import RoleSpec, get_role, register
from assay.flows.state import RunState
from assay.schemas.records import Candidate, Level, Role, Sample, Task, Verdict
from assay.workers.api import Completion, Request, Sampling
from toydomain.config import ToyConfig
from toydomain.verifier import NAME


class ToyFormatError(ValueError):
    """A toy task file with no line to reverse."""


def _read(path: Path, _: str) -> list[Task]:
    lines = [line.strip() for line in path.read_text().splitlines() if line.strip()]
    if not lines:
        raise ToyFormatError(f"{path}: no line to reverse")
    return [
        Task("toy", path.name, f"line{i}", line, reference=line[::-1])
        for i, line in enumerate(lines)
    ]


def _build(task: Task, sampling: Sampling, key: str, **_: Any) -> Request:
    return Request(key, ({"role": "user", "content": f"Reverse: {task.prompt}"},), sampling)


SOLVER = register(RoleSpec("toy", "solver", _build, lambda text, task: text.strip() or None))

load = importer("toy", _read, (ToyFormatError,))


def check_tasks(tasks: list[Task], config: RunConfig) -> None:
    """Toy lines need nothing beyond being read."""


class ToyState(RunState):
    def judged(self, t: Task) -> list[tuple[Candidate, Verdict]]:
        verdicts = {v.candidate_id: v for v in self._verdicts.get(t.id, [])}
        return [(c, verdicts[c.id]) for c in self.solutions(t) if c.id in verdicts]

    def solved(self, t: Task) -> bool:
        return any(v.passed for _, v in self.judged(t))

    def failing(self, t: Task, limit: int) -> list[tuple[Candidate, Verdict]]:
        return [(c, v) for c, v in self.judged(t) if not v.passed][:limit]


def open_state(config: RunConfig, tasks: list[Task] | None = None) -> ToyState:
    return ToyState.open(config, tasks)


def verifier(config: RunConfig) -> tuple[str, dict[str, Any] | None]:
    return NAME, None


def _requests(state: ToyState, t: Task, key: str) -> list[tuple[Role, Request]]:
    n = state.config.section(ToyConfig).samples
    return [(Role.SOLVER, get_role("toy", "solver").build(t, Sampling(n=n), key=key))]


def _extract(
    state: ToyState, t: Task, role: Role, request: Request, completion: Completion, round_: int,
    parent: str,
) -> list[Candidate]:  # fmt: skip
    texts = {text for raw in completion.texts if (text := SOLVER.extract(raw, t))}
    return [
        Candidate(t.id, Role.SOLVER, text, completion.model, round=round_) for text in sorted(texts)
    ]


def _verify(state: ToyState, t: Task, round_: int) -> Program:
    new = [c for c in state.solutions(t) if c.round == round_]
    items = [{"id": c.id, "prompt": t.prompt, "response": c.text} for c in new]
    yield from checked(state, t, round_, "verify", items)


ROUNDS = Rounds(
    first=lambda state, t, index: _requests(state, t, f"{t.id}:solver"),
    repair=lambda state, t, index, round_, failing: _requests(state, t, f"{t.id}:solver:{round_}"),
    extract=_extract,
    verify=_verify,
)


def program(state: ToyState, t: Task, index: int) -> Program:
    yield from repair_rounds(state, t, index, ROUNDS)
    select(state, t, lambda: _samples(state, t))


def _samples(state: ToyState, t: Task) -> list[Sample]:
    return [
        Sample(t.id, c.id, "toy", t.prompt, c.text, (t.reference,), "all", 1.0, (v.id,),
               state.run_id, Level.TRUSTED_TESTS)
        for c, v in state.judged(t) if v.passed
    ]  # fmt: skip


def print_summary(summary: Any) -> None:
    c = summary.counts
    domain_flow.print_summary(summary, [f"tasks       {c['tasks']}"], ["SELECT * FROM samples"])
