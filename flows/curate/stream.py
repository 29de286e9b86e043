"""A domain's decisions a batch of whole problems at a time: duplicates never cross a problem,
so rows streamed in problem order and decided in batches of whole problems give the decisions
of the whole domain at once, with only a batch (or one large problem) in memory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from assay.flows.curate.benchmarks import Match
from assay.flows.curate.config import CurateConfig
from assay.flows.curate.decide import Row, decide
from assay.flows.curate.problems import task_problems
from assay.schemas.records import Curation

BATCH = 10_000  # rows decided at once (whole problems: a larger problem is held whole)
_ROWS = """
    SELECT i.id, i.task_id, i.domain, s.prompt, s.response, i.level, i.checks, i.attempts,
           i.passes, t.problem, t.similar
    FROM _inputs i JOIN samples s ON s.id = i.id JOIN _tasks t ON t.task_id = i.task_id
    WHERE i.domain = $domain ORDER BY t.problem, i.id
"""


def domain_decisions(
    con: Any,
    domain: str,
    pass_id: str,
    config: CurateConfig,
    contamination: Callable[[Row], Match | None],
    batch: int = 0,
) -> Iterator[list[Curation]]:
    """Every sample of `domain`'s decision, in batches of at least `batch` (`BATCH`) rows, but
    whole problems, read from the `_inputs` table `curate.run` made on `con`."""
    batch = batch or BATCH
    task_problems(con, domain, config.near, chunk=batch)
    stream = con.cursor()
    stream.execute(_ROWS, {"domain": domain})
    held: list[Row] = []
    problems: dict[str, tuple[str, str]] = {}
    last = None
    while found := stream.fetchmany(batch):
        for *fields, problem, similar in found:
            if len(held) >= batch and problem != last:
                yield decide(pass_id, held, config, contamination, problems)
                held, problems = [], {}
            row = Row(*fields)
            held.append(row)
            problems[row.task_id] = (problem, similar)
            last = problem
    stream.close()
    if held:
        yield decide(pass_id, held, config, contamination, problems)
