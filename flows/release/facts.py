"""The numbers a release shows, read once from the dataset's views: the funnel, per-domain and
per-level counts, difficulty and pass rates, pass@1 by round, verdict statuses and check time.

A solution is a solver, repairer, prover or translator candidate (the `difficulty` view's set);
it is verified when a verdict that counts passed it. `run` limits every count to the rows one run
wrote (an id or a prefix of one)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assay.flows.release.budget import budget_bands
from assay.flows.release.lineage import Lineage, lineage
from assay.flows.release.source import ReleaseError, Source

SOLUTIONS = "('solver', 'repairer', 'prover', 'translator')"
DIFFICULTIES = ("easy", "medium", "hard", "unsolved")
BINS = 10  # the report's pass-rate histogram


@dataclass
class Facts:
    """What the card and the report print; `exported` is None until an export wrote files."""

    run: str | None
    table: str
    funnel: dict[str, int]
    domains: list[dict[str, Any]]
    levels: dict[str, int]
    difficulty: dict[str, int]
    pass_rate_bins: list[int]  # tasks per tenth of pass rate (1.0 in the last), from SQL
    rounds: list[dict[str, Any]]
    statuses: dict[str, int]
    check_time: list[dict[str, Any]]
    lineage: Lineage
    notes: list[str] = field(default_factory=list)
    budget: list[dict[str, Any]] = field(default_factory=list)  # dart runs' spend per band


def _filter(run: str | None, column: str = "run_id") -> str:
    if run is None:
        return "true"
    return f"{column} LIKE '{run.replace(chr(39), '')}%'"


def _pairs(source: Source, sql: str) -> dict[str, int]:
    return {str(k): int(n) for k, n in source.con.sql(sql).fetchall()}


def _funnel(source: Source, run: str | None) -> dict[str, int]:
    w, wc = _filter(run), _filter(run, "c.run_id")
    verified = source.scalar(
        "SELECT count(DISTINCT v.candidate_id) FROM verdicts v JOIN candidates c "
        f"ON c.id = v.candidate_id WHERE c.role IN {SOLUTIONS} AND v.status = 'pass' AND {wc}"
    )
    curated = source.scalar(f"SELECT count(*) FROM {source.table} WHERE {w}")
    return {
        "tasks": source.scalar(f"SELECT count(*) FROM tasks WHERE {w}"),
        "candidates": source.scalar(
            f"SELECT count(*) FROM candidates WHERE role IN {SOLUTIONS} AND {w}"
        ),
        "verified": verified,
        "curated": curated,
        "exported": curated,  # what an export writes now; an export replaces it with its count
    }


_ROUNDS = """
WITH per_candidate AS (
    SELECT c.task_id, c.id, c.round,
        bool_or(v.status NOT IN ('unsupported', 'not_verified')) AS decided,
        bool_or(v.status = 'pass') AS passed
    FROM verdicts v JOIN candidates c ON c.id = v.candidate_id
    WHERE c.role IN {solutions} AND {where}
    GROUP BY ALL
), per_task AS (
    SELECT round, task_id, count(*) FILTER (WHERE decided) AS decided,
        count(*) FILTER (WHERE passed) AS passed
    FROM per_candidate GROUP BY ALL
)
SELECT round, count(*) AS tasks, sum(decided)::BIGINT AS solutions, sum(passed)::BIGINT AS passed,
    avg(passed / decided) FILTER (WHERE decided > 0) AS pass_at_1
FROM per_task GROUP BY round ORDER BY round
"""


def collect(source: Source, run: str | None = None) -> Facts:
    """Every number of the card and the report, from one snapshot."""
    w = _filter(run)
    if run is not None and not source.scalar(
        f"SELECT count(*) FROM runs WHERE {_filter(run, 'id')}"
    ):
        raise ReleaseError(f"no run {run!r} in {source.dataset}; `assay status` lists the runs")
    tasks = f"task_id IN (SELECT id FROM tasks WHERE {w})"
    # Counted in SQL: a dataset of millions of tasks is never a list of them here.
    found = _pairs(
        source, f"SELECT difficulty, count(*) FROM difficulty WHERE {tasks} GROUP BY ALL"
    )
    difficulty = {d: found.get(d, 0) for d in DIFFICULTIES}
    rated = f"FROM difficulty WHERE {tasks} AND pass_rate IS NOT NULL GROUP BY ALL"
    bins = _pairs(
        source, f"SELECT least(floor(pass_rate * {BINS}), {BINS - 1})::INT, count(*) {rated}"
    )
    return Facts(
        run=run,
        table=source.table,
        funnel=_funnel(source, run),
        domains=source.rows(
            "SELECT t.domain, count(DISTINCT t.id) AS tasks, count(DISTINCT s.id) AS samples "
            f"FROM tasks t LEFT JOIN {source.table} s ON s.task_id = t.id "
            f"AND {_filter(run, 's.run_id')} WHERE {_filter(run, 't.run_id')} "
            "GROUP BY ALL ORDER BY t.domain"
        ),
        levels=_pairs(
            source,
            f"SELECT level, count(*) FROM {source.table} WHERE {w} GROUP BY ALL ORDER BY 2 DESC, 1",
        ),
        difficulty=difficulty,
        pass_rate_bins=[bins.get(str(b), 0) for b in range(BINS)],
        rounds=source.rows(_ROUNDS.format(solutions=SOLUTIONS, where=_filter(run, "c.run_id"))),
        statuses=_pairs(
            source,
            f"SELECT status, count(*) FROM verdicts WHERE {w} GROUP BY ALL ORDER BY 2 DESC, 1",
        ),
        check_time=source.rows(
            "SELECT coalesce(c.role, 'unknown') AS role, count(*) AS checks, "
            "coalesce(sum(v.duration_s), 0) AS seconds FROM verdicts v LEFT JOIN candidates c "
            f"ON c.id = v.candidate_id WHERE {_filter(run, 'v.run_id')} GROUP BY ALL "
            "ORDER BY seconds DESC, role"
        ),
        lineage=lineage(source, run),
        notes=list(source.notes),
        budget=budget_bands(source, _filter(run, "id")),
    )
