"""One run of any domain as a Prefect flow: its tasks' programs through the engine's loop.

Prefect sees two coarse tasks, the rounds (every task's program, on Ray through `Compute`) and
the summary; everything particular to a domain comes from its flow parts in the registry.
"""

# No `from __future__ import annotations` here: Prefect builds the flow's parameter model from
# these annotations when a deployment runs it, so they must be real objects, not strings.
from types import ModuleType
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from assay.flows.config import RunConfig
from assay.flows.domains import get
from assay.flows.engine import failures
from assay.flows.engine.compute import Compute
from assay.flows.engine.loop import drive
from assay.flows.engine.ops import GenerationFailed, Program
from assay.flows.progress import Progress
from assay.flows.sources import load_tasks
from assay.flows.state import RunState


def finished(state: RunState, parts: ModuleType, t: Any) -> bool:
    """Whether task `t`'s program made its last commit: the domain's flow says (`finished`),
    else its state (`RunState.finished`: the selection is that commit)."""
    if hasattr(parts, "finished"):
        return bool(parts.finished(state, t))
    return state.finished(t)


def pending(state: RunState, parts: ModuleType) -> list[tuple[int, Any]]:
    """(index, task) of every task (the domain's `roots`, else all) whose program has not
    finished; the index is the task's place among them, which seeds its sampling. A task with
    a failed prompt is left out unless the run retries them (`engine.retry_failed`)."""
    roots = parts.roots(state) if hasattr(parts, "roots") else state.tasks
    todo = [(i, t) for i, t in enumerate(roots) if not finished(state, parts, t)]
    if todo and not state.config.engine.retry_failed:
        failed = failures.failed_tasks(state)
        todo = [(i, t) for i, t in todo if t.id not in failed]
    return todo


def released(state: RunState, root: Any, program: Program) -> Program:
    """`program`, then its family's rows released (`RunState.release`): a run holds only the
    rows of the tasks it has open. A prompt of it that no replica survived ends the program:
    the task records the failure and the run goes on."""
    try:
        yield from program
    except GenerationFailed as exc:
        failures.record(state, root, exc)
    state.release(root)


def window(state: RunState, compute: Compute) -> int:
    """Tasks open at once: the configured window, else enough to fill every replica's calls
    twice over (each task asks for at least one prompt at a time)."""
    gen = compute.generation
    return state.config.engine.window or max(
        64, 2 * len(gen.workers) * gen.in_flight * gen.batch_size
    )


def run_programs(
    state: RunState, parts: ModuleType, compute: Compute, progress: Progress
) -> dict[str, Any]:
    """Every pending task's program to its end (callable without Prefect, as tests do)."""
    todo = pending(state, parts)
    programs = ((t.name, released(state, t, parts.program(state, t, i))) for i, t in todo)
    try:
        return drive(programs, compute, window(state, compute), progress, len(todo))
    finally:
        state.flush()  # what finished before an error is kept


@task(cache_policy=NO_CACHE, name="rounds")
def rounds(state: RunState, parts: ModuleType, progress: Progress) -> dict[str, Any]:
    """Start (or join) Ray and run every pending task's rounds."""
    name, options = parts.verifier(state.config)
    with Compute.open(state.config, progress, name, options, state.limits) as compute:
        progress.note(f"workers ready in {compute.ready():.0f}s (models loaded, sandboxes open)")
        stats = run_programs(state, parts, compute, progress)
    progress.note(
        f"generation: {stats['generator_calls']} calls, {stats['mean_batch']:.1f} prompts per "
        f"call; {stats['checks']} checks; restarted {stats['replica_restarts']} generator "
        f"replica(s) and {stats['verifier_restarts']} verifier actor(s); "
        f"{stats['failed_prompts']} prompt(s) failed"
    )
    return stats


@flow(name="assay-run", log_prints=False)
def run_flow(config: RunConfig, quiet: bool = False) -> dict:
    """Tasks → the domain's rounds (generate, check, repair, select) → the dataset."""
    parts = get(config.domain).flow()
    tasks = load_tasks(config)  # once: the tasks checked are the tasks run
    parts.check_tasks(tasks, config)  # before anything is committed
    progress = Progress(quiet)
    state = parts.open_state(config, tasks)
    try:
        if pending(state, parts):
            state.start()
            rounds(state, parts, progress)
    except BaseException:
        state.finish("failed")  # what was committed stays; a rerun resumes from it
        raise
    counts = state.finish()
    if failed := failures.failed_tasks(state):
        names = {t.id: t.name for t in state.tasks}
        counts["generation_failed"] = {names.get(i, i): why for i, why in failed.items()}
        progress.note(
            f"generation failed for {len(failed)} task(s), recorded in verdicts where verifier = "
            f"'generator' (`assay run --retry-failed` sends their prompts again): "
            + ", ".join(sorted(counts["generation_failed"]))
        )
    if config.curate.enabled:
        counts["curation"] = curate(config, state.run_id, progress)
    counts["report"] = report(config, state.run_id, progress)
    if config.store.compact:
        compact(config, progress)
    return counts


def report(config: RunConfig, run_id: str, progress: Progress) -> str:
    """The run's HTML report in its dataset folder (`assay report`), and the same summary as
    Prefect artifacts on this flow run. The data is committed by now: a report that cannot be
    written is said, not raised."""
    from assay.flows.release.report import write_report

    out = config.dataset / "report.html"
    try:
        write_report(config.dataset, out, run_id)
    except Exception as exc:  # the run's data stands without its report
        progress.note(f"report not written ({type(exc).__name__}: {exc}); try `assay report`")
        return ""
    progress.note(f"report: {out}")
    return str(out)


def curate(config: RunConfig, run_id: str, progress: Progress) -> dict[str, Any]:
    """A curation pass over the dataset once the run is done (`curate`): duplicates and
    benchmark overlaps are marked, difficulty labelled; a pass over unchanged data is a no-op."""
    from assay.flows.curate import curate_dataset

    report = curate_dataset(config.dataset, config.curate, run_id)
    kept = report["decisions"]["keep"]
    progress.note(f"curated: {kept} of {report['samples']} samples kept ({report['pass_id']})")
    return report


def compact(config: RunConfig, progress: Progress) -> None:
    """Rewrite the dataset's small commit folders into large files once the run is done
    (`store.compact`), when there are enough of them to be worth it."""
    from assay.schemas.compact import compact_if_worthwhile

    report = compact_if_worthwhile(config.dataset, min_folders=config.store.compact_min_folders)
    if report is not None:
        progress.note(
            f"compacted {report.replaced} commit folders into {len(report.written)} "
            f"in {report.seconds:.1f}s"
        )
