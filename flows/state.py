"""What a run has committed so far, kept in memory and reloaded from the store on resume.

Every stage reads its inputs from here and writes its outputs through `commit`, so a resumed run
and an uninterrupted one see exactly the same rows.
"""

from __future__ import annotations

import contextlib
import platform
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Self

from assay.flows.config import RunConfig, dump_config
from assay.flows.reload import TABLES, families
from assay.flows.sources import stream_tasks
from assay.flows.task_commits import commit_tasks
from assay.flows.tasks import Tasks, id_key
from assay.flows.verify_setup import check_limits
from assay.schemas.records import (
    Candidate,
    Role,
    Run,
    Sample,
    Task,
    Verdict,
)
from assay.schemas.store import Store
from assay.schemas.writer import Writer
from assay.verifiers.sandbox import Limits

if TYPE_CHECKING:
    from assay.flows.engine.budget import Budget


def _now() -> str:
    return datetime.now(UTC).isoformat()


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in ("assay", "ray", "prefect", "duckdb", "pyarrow", "llama-cpp-python"):
        with contextlib.suppress(PackageNotFoundError):
            out[name] = version(name)
    return out


Tally = dict[str, float]  # what one task adds to the run's summary counts, by name


def sum_into(totals: Tally, tally: Mapping[str, float]) -> None:
    """Sum `tally` into `totals`, name by name."""
    for name, value in tally.items():
        totals[name] = totals.get(name, 0) + value


def counts(totals: Tally, names: Iterable[str]) -> dict[str, int]:
    """The tallied counts `names` as whole numbers (0 where no task added any)."""
    return {name: int(totals.get(name, 0)) for name in names}


def mean_rate(totals: Tally) -> float:
    """The mean over rated tasks of a per-task pass rate tallied as `rate_sum` and `rated`."""
    return totals.get("rate_sum", 0) / totals["rated"] if totals.get("rated") else 0.0


def levels(samples: Iterable[Sample]) -> dict[str, int]:
    """Samples per verification level (with the formal tier's answer where there is one), the
    run summary's breakdown of what its samples rest on."""
    by_level = Counter(
        f"{_value(s.level) or 'unknown'}" + (f" (formal {_value(s.formal)})" if s.formal else "")
        for s in samples
    )
    return dict(sorted(by_level.items()))


def _value(v: Any) -> str:
    return str(getattr(v, "value", v))


def _by_id(record: Any) -> str:
    return str(record.id)


def held_order(candidate: Candidate) -> tuple[int, str, str]:
    """The order a run holds a task's candidates in, whether it made them or read them back."""
    return candidate.round, candidate.role.value, candidate.id


def _hold(held: list[Any], records: list[Any], order: Callable[[Any], Any]) -> None:
    """Add the records whose id `held` lacks, keeping `held` in `order`: a run holds each id
    once and in the order a resumed run reads them back (the views keep one row per id, in
    content order), so both choose alike whatever order a model or a check returned them in."""
    seen = {r.id for r in held}
    fresh = {r.id: r for r in records if r.id not in seen}
    if fresh:
        held.extend(fresh.values())
        held.sort(key=order)


@dataclass
class RunState:
    config: RunConfig
    store: Store
    tasks: Tasks  # streamed from their sources on each pass (`flows.tasks`), not held
    count: int = 0  # the run's tasks, counted as they were committed
    ids: set[int] = field(default_factory=set)  # their ids (`id_key`): which rows are this run's
    started_at: str = field(default_factory=_now)
    _open: dict[str, Task] = field(default_factory=dict)  # tasks whose rows are held, by id
    _candidates: dict[str, list[Candidate]] = field(default_factory=dict)
    _verdicts: dict[str, list[Verdict]] = field(default_factory=dict)
    _samples: dict[str, list[Sample]] = field(default_factory=dict)
    _totals: Tally = field(default_factory=dict)  # tallies of released families
    _worked: bool = False
    budget: Budget | None = None  # the run's sample budget under `solver.policy: dart`
    _writer: Writer | None = None
    # Tasks (`id_key`) with a stage commit from before this invocation: only their keys are
    # asked of the store. Any other task's keys are written by this process alone while it
    # runs (a task is one shard's; the run lock keeps out a second invocation), so an open
    # one's are kept here, in `_mine`, until it is released.
    _touched: set[int] = field(default_factory=set)
    _mine: dict[str, set[str]] = field(default_factory=dict)

    @property
    def run_id(self) -> str:
        return self.config.id

    @property
    def limits(self) -> Limits:
        return check_limits(self.config)

    @classmethod
    def open(cls, config: RunConfig, tasks: Tasks | list[Task] | None = None) -> Self:
        """Commit the run's tasks not committed yet (as they stream past, counting them and
        gathering their ids), and reload anything already committed. `tasks`: the run's tasks
        as its caller checked them; else streamed from the config's sources."""
        if tasks is None:
            tasks = stream_tasks(config)
        stream = tasks if isinstance(tasks, Tasks) else Tasks.of(tasks)
        state = cls(config, Store(config.dataset), stream)
        commit_tasks(state.store, state.run_id, stream.walk(state.ids))
        state.count = len(state.ids)
        state.opened()
        state._reload()
        return state

    def opened(self) -> None:
        """Called once the tasks are loaded, before any committed row is read back."""

    def loaded(self, root: Task) -> None:
        """Called with each family's rows read back, before it is kept or released."""

    def start(self) -> None:
        """Record that this invocation has work to do (a finished rerun records nothing)."""
        self._record_run("running")
        self._worked = True

    def _reload(self) -> None:
        """Read back what the run committed, a family at a time (`flows.reload`): families
        still to finish are kept; finished ones are tallied for the summary and dropped. Each
        family's root task is the one read back with it; a family whose root is no longer among
        the run's tasks (`ids`) is not this run's now."""
        self._touched = self._committed_tasks()
        self._mine.clear()
        for root_id, tables in families(self.store.root, self.run_id):
            for table, held in (("candidates", self._candidates), ("verdicts", self._verdicts),
                                ("samples", self._samples)):  # fmt: skip
                for record in tables[table]:
                    held.setdefault(record.task_id, []).append(record)
            for group in {c.task_id for c in tables["candidates"]}:
                self._candidates[group].sort(key=held_order)
            root = tables["tasks"][0] if tables["tasks"] else None
            if root is None or id_key(root_id) not in self.ids:  # no longer in the task file
                self._drop([root_id, *{r.task_id for t in TABLES for r in tables[t]}])
                continue
            self.loaded(root)
            if self.finished(root):
                self.release(root)
            else:
                self._open.update((t.id, t) for t in self.family(root))

    def _committed_tasks(self) -> set[int]:
        """The tasks with a stage commit in this run so far (the task commits aside)."""
        marker, out = f"/{self.run_id}/", set()
        for key in self.store.index.containing(marker):
            stage, _, rest = key.partition(marker)
            if stage != "tasks":
                with contextlib.suppress(ValueError):  # a run-level key, not a task's
                    out.add(id_key(rest.split("/", 1)[0]))
        return out

    def finished(self, root: Task) -> bool:
        """Whether root task `root`'s program made its last commit (its selection, by default)."""
        return self.done("select", root, 0)

    def family(self, root: Task) -> list[Task]:
        """The tasks whose rows go when `root`'s program is done: itself, by default."""
        return [root]

    def release(self, root: Task) -> None:
        """`root`'s program is done: add its family's tally to the run's totals and forget its
        rows, so the run holds only the families still open."""
        family = self.family(root)
        for task in family:
            sum_into(self._totals, self.tally(task))
        self._drop([t.id for t in family])

    def _drop(self, task_ids: list[str]) -> None:
        for task_id in task_ids:
            self._open.pop(task_id, None)
            if self._mine.pop(task_id, None) is not None:
                self._touched.add(id_key(task_id))  # asked of the store from now on
            for held in (self._candidates, self._verdicts, self._samples):
                held.pop(task_id, None)

    def key(self, stage: str, task: Task, round_: int) -> str:
        return f"{stage}/{self.run_id}/{task.id}/{round_}"

    @property
    def writer(self) -> Writer:
        """Commits of stages go through one writer thread (`schemas.writer`), so the engine's
        loop goes on while they are written; `flush` waits for them."""
        if self._writer is None:
            self._writer = Writer(self.store)
        return self._writer

    def close(self) -> None:
        """Publish every stage commit handed over, and stop the writer (a shard's loop ends so;
        the run's own state then records the run, `finish`)."""
        if self._writer is not None:
            writer, self._writer = self._writer, None
            writer.close()

    def reload(self) -> None:
        """Forget the rows held and read back what the run committed (its shards did)."""
        self.close()
        self._candidates.clear()
        self._verdicts.clear()
        self._samples.clear()
        self._totals.clear()
        self._reload()

    def flush(self) -> None:
        """Every stage commit handed over so far is published (or its error raised)."""
        if self._writer is not None:
            self._writer.flush()

    def done(self, stage: str, task: Task, round_: int) -> bool:
        key = self.key(stage, task, round_)
        if (mine := self._mine.get(task.id)) is not None:
            return key in mine
        if id_key(task.id) not in self._touched:
            return False  # nothing of it was committed before, nor by this process yet
        return self.writer.has(key)

    def commit(self, stage: str, task: Task, round_: int, tables: dict[str, list[Any]]) -> None:
        """Commit one task's output of one stage, atomically, and remember it. The records are
        checked here; the files are written behind the caller (see `writer`)."""
        verdicts = [replace(v, task_id=task.id) for v in tables.get("verdicts", [])]
        tables = {**tables, "verdicts": verdicts} if "verdicts" in tables else tables
        key = self.key(stage, task, round_)
        fresh = task.id in self._mine or id_key(task.id) not in self._touched
        mine = self._mine.setdefault(task.id, set()) if fresh else None
        if mine is not None and key in mine:
            return
        if self.writer.submit(key, tables, self.run_id, unseen=mine is not None):
            if mine is not None:
                mine.add(key)
            self._open[task.id] = task
            _hold(
                self._candidates.setdefault(task.id, []), tables.get("candidates", []), held_order
            )
            _hold(self._verdicts.setdefault(task.id, []), verdicts, _by_id)
            _hold(self._samples.setdefault(task.id, []), tables.get("samples", []), _by_id)

    def candidates(self, task: Task, role: Role) -> list[Candidate]:
        return [c for c in self._candidates.get(task.id, []) if c.role is role]

    def solutions(self, task: Task) -> list[Candidate]:
        return [c for c in self._candidates.get(task.id, []) if c.role is not Role.TESTER]

    def solved(self, task: Task) -> bool:
        """Whether `task` has a verified solution yet (each domain's state says how)."""
        raise NotImplementedError(f"{type(self).__name__} does not say when a task is solved")

    def failing(self, task: Task, limit: int) -> list[tuple[Candidate, Verdict]]:
        """The failing solutions to repair next, most promising first (domains say)."""
        raise NotImplementedError(f"{type(self).__name__} has no repair round")

    def samples(self, task: Task) -> list[Sample]:
        return self._samples.get(task.id, [])

    def _record_run(self, state: str, counts: dict[str, int] | None = None) -> None:
        run = Run(
            self.config.model_dump(mode="json"),
            self.started_at,
            _now() if state != "running" else "",
            state,
            versions(),
            counts or {},
            self.run_id,
        )
        self.store.commit(
            f"run/{self.run_id}/{self.started_at}/{state}", {"runs": [run]}, run_id=self.run_id
        )

    def tally(self, task: Task) -> Tally:
        """What one task adds to the run's summary; domains add their own counts."""
        solutions, samples = self.solutions(task), self.samples(task)
        verdicts = self._verdicts.get(task.id, [])
        out: Tally = {
            "tasks_solved": bool(samples),
            "solutions": len(solutions),
            "tests": len(self.candidates(task, Role.TESTER)),
            "verdicts": len(verdicts),
            "verdicts_pass": sum(v.passed for v in verdicts),
            "samples": len(samples),
        }
        out.update({f"level:{k}": n for k, n in levels(samples).items()})
        return out

    def summarize(self, totals: Tally) -> dict[str, Any]:
        """The summary counts from the run's totals (domains add what they show)."""
        names = ("tasks_solved", "solutions", "tests", "verdicts", "verdicts_pass", "samples")
        return {
            "tasks": self.count,
            **counts(totals, names),
            "levels": {
                k.removeprefix("level:"): int(n)
                for k, n in sorted(totals.items())
                if k.startswith("level:")
            },
        }

    def finish(self, state: str = "completed") -> dict[str, Any]:
        """Record the run's end (if this invocation did work) and return its summary counts.
        Stage commits still being written are published first."""
        self.close()
        totals = dict(self._totals)
        held = {*self._candidates, *self._verdicts, *self._samples}
        for task in self._open.values():  # the families not released (a failed run's)
            if task.id in held:
                sum_into(totals, self.tally(task))
        counts = self.summarize(totals)
        if self._worked or not self.store.has(f"done/{self.run_id}"):
            self._record_run(state, counts)
            if state == "completed":
                self.store.commit(f"done/{self.run_id}", {}, run_id=self.run_id)
        return {
            "run_id": self.run_id,
            "state": state,
            "dataset": str(self.store.root),
            "config_yaml": dump_config(self.config),
            **counts,
        }
