"""One run of any domain as a Prefect flow: its tasks' programs through the engine's loop.

Prefect sees two coarse tasks, the rounds (every task's program, on Ray through `Compute`) and
the summary; everything particular to a domain comes from its flow parts in the registry. What a
run does once its rounds end (curation, the report, compaction) is in `finish`: a Ray task of
its own while the run's Ray is up, which is why the Ray session spans both.
"""

# No `from __future__ import annotations` here: Prefect builds the flow's parameter model from
# these annotations when a deployment runs it, so they must be real objects, not strings.
from contextlib import ExitStack
from types import ModuleType
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

from assay.flows.config import RunConfig
from assay.flows.domains import get
from assay.flows.engine import failures
from assay.flows.engine.compute import Compute, ray_for
from assay.flows.engine.finish import after_rounds
from assay.flows.engine.rounds import Pending, pending, run_programs
from assay.flows.engine.shards import run_shards
from assay.flows.progress import Progress
from assay.flows.sources import Loaded, first_pass, stream_tasks
from assay.flows.state import RunState


@task(cache_policy=NO_CACHE, name="rounds")
def rounds(state: RunState, parts: ModuleType, progress: Progress, pend: Pending) -> dict[str, Any]:
    """Start (or join) Ray and run every pending task's rounds."""
    name, options = parts.verifier(state.config)
    with Compute.open(state.config, progress, name, options, state.limits) as compute:
        progress.note(f"workers ready in {compute.ready():.0f}s (models loaded, sandboxes open)")
        stats = run_programs(state, parts, compute, progress, pend)
    said(stats, progress)
    return stats


def said(stats: dict[str, Any], progress: Progress) -> None:
    """The workers' counters once the rounds end."""
    progress.note(
        f"generation: {stats['generator_calls']} calls, {stats['mean_batch']:.1f} prompts per "
        f"call; {stats['checks']} checks; restarted {stats['replica_restarts']} generator "
        f"replica(s) and {stats['verifier_restarts']} verifier actor(s); "
        f"{stats['failed_prompts']} prompt(s) failed"
    )


@flow(name="assay-run", log_prints=False)
def run_flow(config: RunConfig, quiet: bool = False, loaded: Loaded | None = None) -> dict:
    """Tasks → the domain's rounds (generate, check, repair, select) → the dataset. `loaded`:
    the tasks as the caller (`assay run`) checked them; else (a deployment) they are checked
    here, a pass over their stream, before anything is committed."""
    parts = get(config.domain).flow()
    if loaded is None:
        tasks = stream_tasks(config, parts.check_tasks)
        first_pass(tasks)
    else:
        tasks = loaded.tasks
    progress = Progress(quiet)
    state = parts.open_state(config, tasks)
    with ExitStack() as session:  # Ray, once started, serves the rounds and the passes after
        try:
            if pend := pending(state, parts):
                session.enter_context(ray_for(config, progress))
                state.start()
                if config.engine.shards > 1:
                    said(run_shards(state, parts, pend, progress), progress)
                    state.reload()  # what the shards committed, for the run's summary
                else:
                    held: Any = quote(state)  # unquoted: Prefect would walk every record
                    quoted: Any = quote(pend)
                    rounds(held, parts, progress, quoted)
        except BaseException:
            state.finish("failed")  # what was committed stays; a rerun resumes from it
            raise
        return _summary(config, state, progress)


def _summary(config: RunConfig, state: RunState, progress: Progress) -> dict:
    """The run's counts, its failed tasks said, and the passes over the dataset after it."""
    counts = state.finish()
    if failed := failures.failed_tasks(state):
        names = {t.id: t.name for t in state.tasks if t.id in failed}  # a pass: few are kept
        counts["generation_failed"] = {names.get(i, i): why for i, why in failed.items()}
        progress.note(
            f"generation failed for {len(failed)} task(s), recorded in verdicts where verifier = "
            f"'generator' (`assay run --retry-failed` sends their prompts again): "
            + ", ".join(sorted(counts["generation_failed"]))
        )
    counts.update(after_rounds(config, state.run_id, progress, state.count))
    return counts
