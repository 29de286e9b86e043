"""What a run has committed so far, kept in memory and reloaded from the store on resume.

Every stage reads its inputs from here and writes its outputs through `commit`, so a resumed run
and an uninterrupted one see exactly the same rows.
"""

from __future__ import annotations

import contextlib
import platform
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from assay.flows.config import RunConfig, dump_config
from assay.flows.domains.code.pool import Matrix, TestPool, build_pool
from assay.flows.sources import load_tasks
from assay.schemas.query import query
from assay.schemas.records import Candidate, Role, Run, Sample, Status, Task, Verdict
from assay.schemas.rows import from_row
from assay.schemas.store import Store
from assay.schemas.writer import Writer
from assay.verifiers.sandbox import Limits


def _now() -> str:
    return datetime.now(UTC).isoformat()


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in ("assay", "ray", "prefect", "duckdb", "pyarrow", "llama-cpp-python"):
        with contextlib.suppress(PackageNotFoundError):
            out[name] = version(name)
    return out


@dataclass
class RunState:
    config: RunConfig
    store: Store
    tasks: list[Task]
    started_at: str = field(default_factory=_now)
    _candidates: dict[str, list[Candidate]] = field(default_factory=dict)
    _verdicts: dict[str, list[Verdict]] = field(default_factory=dict)
    _samples: dict[str, list[Sample]] = field(default_factory=dict)
    _worked: bool = False
    _writer: Writer | None = None

    @property
    def run_id(self) -> str:
        return self.config.id

    @property
    def limits(self) -> Limits:
        lim = self.config.verify.limits
        return Limits(wall_s=lim.wall_s, cpu_s=lim.cpu_s, memory_mb=lim.memory_mb)

    @classmethod
    def open(cls, config: RunConfig) -> RunState:
        """Load the tasks, record the run as started, and reload anything already committed."""
        tasks = load_tasks(config)
        state = cls(config, Store(config.dataset), tasks)
        state.store.commit(f"tasks/{state.run_id}", {"tasks": tasks}, run_id=state.run_id)
        state._reload()
        return state

    def start(self) -> None:
        """Record that this invocation has work to do (a finished rerun records nothing)."""
        self._record_run("running")
        self._worked = True

    def _read(self, table: str) -> list[Any]:
        sql = (
            f"SELECT * FROM raw_{table} WHERE run_id = '{self.run_id}' "
            "QUALIFY row_number() OVER (PARTITION BY id ORDER BY committed_at) = 1 ORDER BY id"
        )
        return [from_row(table, row) for row in query(self.store.root, sql).to_pylist()]

    def _reload(self) -> None:
        for cand in self._read("candidates"):
            self._candidates.setdefault(cand.task_id, []).append(cand)
        for verdict in self._read("verdicts"):
            self._verdicts.setdefault(verdict.task_id, []).append(verdict)
        for sample in self._read("samples"):
            self._samples.setdefault(sample.task_id, []).append(sample)
        for group in self._candidates.values():
            group.sort(key=lambda c: (c.round, c.role.value, c.id))

    def key(self, stage: str, task: Task, round_: int) -> str:
        return f"{stage}/{self.run_id}/{task.id}/{round_}"

    @property
    def writer(self) -> Writer:
        """Commits of stages go through one writer thread (`schemas.writer`), so the engine's
        loop goes on while they are written; `flush` waits for them."""
        if self._writer is None:
            self._writer = Writer(self.store)
        return self._writer

    def flush(self) -> None:
        """Every stage commit handed over so far is published (or its error raised)."""
        if self._writer is not None:
            self._writer.flush()

    def done(self, stage: str, task: Task, round_: int) -> bool:
        return self.writer.has(self.key(stage, task, round_))

    def task(self, task_id: str) -> Task:
        return next(t for t in self.tasks if t.id == task_id)

    def commit(self, stage: str, task: Task, round_: int, tables: dict[str, list[Any]]) -> None:
        """Commit one task's output of one stage, atomically, and remember it. The records are
        checked here; the files are written behind the caller (see `writer`)."""
        verdicts = [replace(v, task_id=task.id) for v in tables.get("verdicts", [])]
        tables = {**tables, "verdicts": verdicts} if "verdicts" in tables else tables
        if self.writer.submit(self.key(stage, task, round_), tables, self.run_id):
            self._candidates.setdefault(task.id, []).extend(tables.get("candidates", []))
            self._verdicts.setdefault(task.id, []).extend(verdicts)
            self._samples.setdefault(task.id, []).extend(tables.get("samples", []))

    def candidates(self, task: Task, role: Role) -> list[Candidate]:
        return [c for c in self._candidates.get(task.id, []) if c.role is role]

    def solutions(self, task: Task) -> list[Candidate]:
        return [c for c in self._candidates.get(task.id, []) if c.role is not Role.TESTER]

    def pool(self, task: Task) -> TestPool:
        """Trusted tests plus generated tests that passed on the reference (all, without one)."""
        testers = self.candidates(task, Role.TESTER)
        checks = [v for v in self._verdicts.get(task.id, []) if v.against == "reference"]
        valid = {o.name for v in checks for o in v.outcomes if o.status is Status.PASS}
        return build_pool(task, testers, valid if task.reference else None)

    def matrix(self, task: Task) -> Matrix:
        pool = self.pool(task)
        by_candidate = {
            v.candidate_id: v for v in self._verdicts.get(task.id, []) if v.against == pool.id
        }
        sols = [c for c in self.solutions(task) if c.id in by_candidate]
        return Matrix(pool, sols, [by_candidate[c.id] for c in sols])

    def failing(self, task: Task, limit: int) -> list[tuple[Candidate, Verdict]]:
        """The failing solutions to repair next, most promising first."""
        from assay.flows.domains.code.stages import failing_for_repair

        return failing_for_repair(self.matrix(task), limit)

    def solved(self, task: Task) -> bool:
        return bool(self.matrix(task).verified())

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

    def finish(self, state: str = "completed") -> dict[str, Any]:
        """Record the run's end (if this invocation did work) and return its summary counts.
        Stage commits still being written are published first."""
        if self._writer is not None:
            writer, self._writer = self._writer, None
            writer.close()
        solutions = [c for t in self.tasks for c in self.solutions(t)]
        verdicts = [v for t in self.tasks for v in self._verdicts.get(t.id, [])]
        solved = [t for t in self.tasks if self.samples(t)]
        counts = {
            "tasks": len(self.tasks),
            "tasks_solved": len(solved),
            "solutions": len(solutions),
            "tests": sum(len(self.candidates(t, Role.TESTER)) for t in self.tasks),
            "verdicts": len(verdicts),
            "verdicts_pass": sum(v.passed for v in verdicts),
            "samples": sum(len(self.samples(t)) for t in self.tasks),
        }
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
