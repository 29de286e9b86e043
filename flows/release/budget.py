"""Where a dart run's sampling budget went (`solver.policy: dart`): per difficulty band (the
`difficulty` view's), its tasks, the samples its waves took, the tasks solved, and what fixed-n
sampling would have spent on them at the same budget (the budget over the run's tasks, each).

A task's spend is read back from the waves its round-0 candidates record (`candidates.wave`):
`n` × (its last wave + 1). Repair rounds, which draw on the same budget, are not in it."""

from __future__ import annotations

from typing import Any, Protocol

BANDS_SQL = """
WITH dart AS (
    SELECT id AS run_id, any_value(CAST(config ->> '$.solver.n' AS BIGINT)) AS n,
        any_value(try_cast(config ->> '$.solver.budget' AS BIGINT)) AS budget
    FROM runs WHERE config ->> '$.solver.policy' = 'dart' AND {runs} GROUP BY id
), run_tasks AS (
    SELECT DISTINCT t.run_id, t.id AS task_id FROM raw_tasks t JOIN dart USING (run_id)
), waves AS (
    SELECT run_id, task_id, max(coalesce(wave, 0)) + 1 AS waves FROM candidates
    WHERE role IN ('solver', 'prover', 'translator') AND round = 0 GROUP BY ALL
), per_task AS (
    SELECT r.run_id, r.task_id, coalesce(w.waves, 1) * d.n AS spent,
        coalesce(d.budget, d.n * count(*) OVER (PARTITION BY r.run_id))
            / count(*) OVER (PARTITION BY r.run_id) AS fixed,
        EXISTS (SELECT 1 FROM samples s WHERE s.task_id = r.task_id AND s.run_id = r.run_id)
            AS solved
    FROM run_tasks r JOIN dart d USING (run_id) LEFT JOIN waves w USING (run_id, task_id)
)
SELECT coalesce(f.difficulty, 'unsolved') AS band, count(*) AS tasks,
    sum(p.spent)::BIGINT AS spent, count(*) FILTER (WHERE p.solved) AS solved,
    round(sum(p.fixed))::BIGINT AS fixed_n_spent
FROM per_task p LEFT JOIN difficulty f USING (task_id)
GROUP BY 1
ORDER BY list_position(['easy', 'medium', 'hard', 'unsolved'], band)
"""


class Rows(Protocol):
    def rows(self, sql: str) -> list[dict[str, Any]]: ...


def budget_bands(source: Rows, runs: str = "true") -> list[dict[str, Any]]:
    """One row per difficulty band of the dart runs `runs` (a SQL filter on `runs.id`)
    selects; none when no run sampled under dart."""
    return source.rows(BANDS_SQL.format(runs=runs))


def lines(bands: list[dict[str, Any]]) -> list[str]:
    """The bands as the run summary prints them."""
    return [
        f"{'budget' if i == 0 else '':12s}{b['band']}: {b['tasks']} tasks, {b['spent']} samples "
        f"(fixed-n: {b['fixed_n_spent']}), {b['solved']} solved"
        for i, b in enumerate(bands)
    ]
