"""Tasks whose prompts no generator replica survived: each records the failure as a row of the
verdicts table (verifier `generator`, against `generation`, status `error`, the prompt's content
id as its candidate id, the reason in `stderr_tail` and `evidence`), so SQL sees it, a rerun
finds it, and nothing else in the dataset changes shape:

    SELECT task_id, evidence FROM verdicts WHERE verifier = 'generator'

A resumed run skips those tasks, so a poisoned prompt is never sent again, unless it runs with
`engine.retry_failed` (`assay run --retry-failed`).
"""

from __future__ import annotations

from typing import Any

from assay.flows.engine.steps import Failed, GenerationFailed
from assay.schemas.records import Outcome, Status, Task, Verdict, content_id
from assay.workers.api import Request

GENERATOR, GENERATION = "generator", "generation"  # Verdict.verifier and .against of a failure


def prompt_id(request: Request) -> str:
    """The content id of a prompt: its key, messages and sampling."""
    return content_id("prompt", request.key, list(request.messages), request.sampling.to_dict())


def failure_verdict(task: Task, failed: Failed) -> Verdict:
    """The row that says one of `task`'s prompts failed, and why."""
    reason = failed.reason
    return Verdict(
        prompt_id(failed.request),
        GENERATOR,
        Status.ERROR,
        outcomes=(Outcome(failed.request.key, Status.ERROR, reason[-500:]),),
        stderr_tail=reason[-1500:],
        evidence={
            "reason": reason,
            "key": failed.request.key,
            "prompt_id": prompt_id(failed.request),
        },
        against=GENERATION,
        task_id=task.id,
    )


def record(state: Any, task: Task, exc: GenerationFailed) -> None:
    """Commit `task`'s failed prompts (once: the key holds their ids)."""
    verdicts = [failure_verdict(task, f) for f in exc.failed]
    ids = content_id("failed", sorted(v.candidate_id for v in verdicts))
    key = f"gen-failed/{state.run_id}/{task.id}/{ids}"
    state.writer.submit(key, {"verdicts": verdicts}, state.run_id)


def failed_ids(state: Any) -> set[str]:
    """The ids of this run's tasks with a failed prompt, from the key index (`record`'s keys):
    no scan of the run's verdicts, which at a million tasks would cost the driver a GB."""
    prefix, index = f"gen-failed/{state.run_id}/", state.store.index
    index.refresh()  # what other processes (a sharded run's shards) published since it opened
    return {key[len(prefix) :].split("/", 1)[0] for key in index.containing(prefix, first=True)}


def failed_tasks(state: Any) -> dict[str, str]:
    """Task id → the reason of every task of this run with a failed prompt (the verdicts are
    read only where the index lists one)."""
    from assay.schemas.query import query

    if not failed_ids(state):
        return {}
    run = state.run_id.replace("'", "''")
    table = query(
        state.store.root,
        f"""SELECT task_id, min(stderr_tail) AS reason FROM raw_verdicts
            WHERE run_id = '{run}' AND verifier = '{GENERATOR}' AND against = '{GENERATION}'
            GROUP BY task_id ORDER BY task_id""",
    )
    return {row["task_id"]: row["reason"] for row in table.to_pylist()}
