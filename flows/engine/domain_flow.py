"""The skeleton every domain's `flow.py` fills in, written once: reading its task formats, its
task checks, the repair rounds (generate, then check, `repair.rounds + 1` times), the committed
selection and the run summary. A domain supplies what differs (requests, extraction, check
items, selection, its summary lines); the stage keys, the skip-what-is-committed rule and the
error wording are the same for all.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assay.flows.engine.budget import GRANT, Budget
from assay.flows.engine.repair import Failing, Pairs, RepairState, generate_round
from assay.flows.engine.sampling import sampling_for
from assay.flows.engine.steps import Check, Program
from assay.flows.engine.waves import ask, run_waves
from assay.flows.output import samples_line
from assay.flows.sources import TaskFileError
from assay.schemas.records import Candidate, Role, Sample, Task, Verdict
from assay.workers.api import Completion, Request

if TYPE_CHECKING:
    from assay.flows.config import RunConfig
    from assay.flows.runner import Summary

Errors = tuple[type[Exception], ...]


def importer(
    domain: str, read: Callable[[Path, str], list[Task]], errors: Errors
) -> Callable[[Path, str], list[Task]]:
    """A domain's `load(path, format)`: a format it does not register is refused, and its
    importer's `errors` become `TaskFileError` (the message names the file, line and field)."""

    def load(path: Path, format: str) -> list[Task]:
        from assay.flows.domains import get

        formats = sorted(get(domain).formats)
        if format not in formats:
            raise TaskFileError(f"{path}: unknown {domain} format {format!r}; use one of {formats}")
        try:
            return read(Path(path), format)
        except errors as exc:
            raise TaskFileError(str(exc)) from None

    return load


def task_checks(
    check: Callable[[list[Task], RunConfig], None], errors: Errors
) -> Callable[[list[Task], RunConfig], None]:
    """A domain's `check_tasks(tasks, config)`, its `errors` as `TaskFileError`."""

    def check_tasks(tasks: list[Task], config: RunConfig) -> None:
        try:
            check(tasks, config)
        except errors as exc:
            raise TaskFileError(str(exc)) from None

    return check_tasks


@dataclass(frozen=True)
class Rounds:
    """What a repair-round domain fills in. `first(state, t, index)`: round 0's requests;
    `repair(state, t, index, round_, failing)`: round k's, one per failing candidate;
    `extract(state, t, role, request, completion, round_, parent)`: one completion's candidates;
    `verify(state, t, round_)`: the round's checks, committed at `verify`."""

    first: Callable[[Any, Task, int], Pairs]
    repair: Callable[[Any, Task, int, int, Failing], Pairs]
    extract: Callable[[Any, Task, Role, Request, Completion, int, str], list[Candidate]]
    verify: Callable[[Any, Task, int], Program]
    # Under `solver.policy: dart` (flows.engine.waves): `passes(state, t, w)`, the verified
    # round-0 samples of waves before w; `check_wave(state, t, w)`, wave w's checks.
    passes: Callable[[Any, Task, int], int] | None = None
    check_wave: Callable[[Any, Task, int], Program] | None = None


def repair_rounds(state: RepairState, t: Task, index: int, rounds: Rounds) -> Program:
    """Round 0, its dart waves (under `solver.policy: dart`) and `repair.rounds` repair rounds
    of one task; each step skips what is committed. The task leaves the budget when its
    program ends (`budget.leaving`), or once solved after its waves."""
    budget: Budget | None = getattr(state, "budget", None)
    for round_ in range(state.config.repair.rounds + 1):
        yield from _generate(state, t, index, rounds, round_, budget)
        yield from rounds.verify(state, t, round_)
        if round_ == 0 and budget is not None:
            yield from _waves(state, t, index, rounds, budget)


def _waves(state: RepairState, t: Task, index: int, rounds: Rounds, budget: Budget) -> Program:
    if rounds.passes is None or rounds.check_wave is None:
        raise TypeError(f"domain {t.domain!r} does not sample in waves (solver.policy: dart)")
    passes, check = rounds.passes, rounds.check_wave
    yield from run_waves(
        state,
        t,
        index,
        budget,
        lambda: rounds.first(state, t, index),
        lambda role, request, completion: rounds.extract(
            state, t, role, request, completion, 0, ""
        ),
        lambda w: passes(state, t, w),
        lambda w: check(state, t, w),
    )
    if state.solved(t):
        budget.leave(index)  # no repair round will ask: the group goes on without it


def _generate(
    state: RepairState, t: Task, index: int, rounds: Rounds, round_: int, budget: Budget | None
) -> Program:
    return generate_round(
        state,
        t,
        round_,
        lambda: rounds.first(state, t, index),
        lambda failing: rounds.repair(state, t, index, round_, failing),
        lambda role, request, completion, parent: rounds.extract(
            state, t, role, request, completion, round_, parent
        ),
        None if budget is None else lambda: repair_grant(state, t, index, round_, budget),
    )


def repair_grant(
    state: RepairState, t: Task, index: int, round_: int, budget: Budget
) -> Generator[Any, Any, bool]:
    """Under dart a repair round draws on the run's budget (charged at its most); the grant
    is committed before the round generates, so a resumed run charges it alike."""
    level = budget.repair_level(round_)
    ok = yield from ask(budget, index, level, budget.repair_cost, 0.0)
    if ok and not state.done(GRANT, t, round_):
        state.commit(GRANT, t, round_, {})
    return ok


def repairs(
    cfg: RunConfig,
    task: Task,
    index: int,
    round_: int,
    failing: Failing,
    build: Callable[..., Request],
    role: Role = Role.REPAIRER,
    **context: Any,
) -> Pairs:
    """One repair request per failing candidate, `build(task, sampling, key=..., failing=its
    text, verdict=its verdict, **context)` (a repairer role's); its sampling seed and key name
    the task, the round and its place, so a rerun asks alike."""
    return [
        (role, build(task, sampling_for(cfg.repair, 1000 * index + 100 * round_ + j),
                     key=f"{task.id}:repair{round_}:{j}", failing=cand.text, verdict=verdict,
                     **context))
        for j, (cand, verdict) in enumerate(failing)
    ]  # fmt: skip


def extracted(
    task: Task,
    role: Role,
    completion: Completion,
    extract: Callable[[str], str | None],
    sampling: dict[str, Any],
    round_: int,
    parent: str = "",
) -> list[Candidate]:
    """One completion's candidates: each text's artefact (`extract(raw)`, or as the replica
    read it out already: `Request.artefact`); unusable ones are dropped, repeats merged."""
    out: dict[str, Candidate] = {}
    found = completion.artefacts
    if found is None or len(found) != len(completion.texts):
        found = tuple(extract(raw) for raw in completion.texts)
    for raw, text in zip(completion.texts, found, strict=True):
        if text:
            cand = Candidate(task.id, role, text, completion.model, sampling, round_, parent, raw)
            out.setdefault(cand.id, cand)
    return list(out.values())


def wave_passes(judged: Iterable[tuple[Candidate, Verdict]], wave: int) -> int:
    """Passing round-0 samples of waves before `wave`, from (candidate, verdict) pairs."""
    return sum(1 for c, v in judged if v.passed and c.round == 0 and c.wave < wave)


def checked(
    state: RepairState,
    t: Task,
    round_: int,
    stage: str,
    items: list[dict[str, Any]],
    against: str | None = None,
) -> Program:
    """Check `items` and commit their verdicts at `stage` (marked `against` where given),
    unless that stage is committed."""
    if state.done(stage, t, round_):
        return
    verdicts: list[Verdict] = yield Check(items)
    if against is not None:
        verdicts = [replace(v, against=against) for v in verdicts]
    state.commit(stage, t, round_, {"verdicts": verdicts})


def select(state: RepairState, t: Task, choose: Callable[[], list[Sample]]) -> None:
    """Commit `choose()`'s samples as task `t`'s selection, unless it is committed."""
    if not state.done("select", t, 0):
        state.commit("select", t, 0, {"samples": choose()})


def print_summary(summary: Summary, lines: Iterable[str], queries: Iterable[str]) -> None:
    """What `assay run` prints: the run's state, the domain's `lines` (each a label and its
    text), the samples and the dataset, then `queries` to try on it."""
    c = summary.counts
    ds = c["dataset"]
    lines = [*lines, *dart_lines(c)]
    body = "".join(f"  {line}\n" for line in lines)
    tries = "".join(f'  assay sql "{q}" --dataset {ds}\n' for q in queries)
    sys.stdout.write(
        f"\nassay run {c['run_id']}: {summary.state} in {summary.seconds:.0f}s\n"
        f"{body}{samples_line(c)}  dataset     {ds}\n\nTry:\n{tries}"
    )


def dart_lines(counts: dict[str, Any]) -> list[str]:
    """Under `solver.policy: dart`, the run's spend per difficulty band (`release.budget`)."""
    if "policy: dart" not in str(counts.get("config_yaml", "")):
        return []
    from assay.flows.release.budget import budget_bands
    from assay.flows.release.budget import lines as band_lines
    from assay.schemas.query import query

    class _Rows:
        def rows(self, sql: str) -> list[dict[str, Any]]:
            return query(counts["dataset"], sql).to_pylist()

    run = str(counts["run_id"]).replace("'", "")
    return band_lines(budget_bands(_Rows(), f"id = '{run}'"))
