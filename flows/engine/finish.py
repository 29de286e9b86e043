"""What a run does once its rounds end: a curation pass, the HTML report and compaction, each
said on the progress line. The run's data is committed before any of them starts.

They are passes over the whole dataset (text normalised, MinHash signatures, SQL over every
file), so when the run has Ray up they run as one Ray task on the driver's node (where its
dataset is), a process of their own: the driver's CPU and memory stay the loop's bookkeeping,
however large the dataset. A run of fewer than `engine.passes_in_task` tasks, or one that
needed no Ray (nothing pending), runs them here.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any

from assay.flows.config import RunConfig
from assay.flows.progress import Progress


@dataclass
class Finished:
    """What the passes did, for the driver to say and return."""

    counts: dict[str, Any] = field(default_factory=dict)  # curation, report
    notes: list[str] = field(default_factory=list)
    facts: Any = None  # the report's facts, published as Prefect artifacts by the driver
    pid: int = field(default_factory=os.getpid)  # the process that ran the passes
    cpu_s: float = 0.0  # the CPU they took there


def after_rounds(config: RunConfig, run_id: str, progress: Progress, tasks: int) -> dict[str, Any]:
    """Curation (when enabled), the report and compaction (when enabled) after a run of `tasks`
    tasks; their counts."""
    return finished(config, run_id, progress, tasks).counts


def finished(config: RunConfig, run_id: str, progress: Progress, tasks: int) -> Finished:
    """`after_rounds`, and what ran it: a Ray task from `engine.passes_in_task` tasks on."""
    import ray

    if ray.is_initialized() and tasks >= config.engine.passes_in_task:
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        here = NodeAffinitySchedulingStrategy(ray.get_runtime_context().get_node_id(), soft=False)
        # num_cpus=0: never queued behind another run's workers; max_calls=1: its memory goes
        # back when it ends.
        task = ray.remote(num_cpus=0, max_calls=1, max_retries=0)(finish)
        try:
            done: Finished = ray.get(task.options(scheduling_strategy=here).remote(config, run_id))
        except ray.exceptions.RayTaskError as exc:
            raise exc.as_instanceof_cause() from None
    else:
        done = finish(config, run_id)
    for line in done.notes:
        progress.note(line)
    if done.facts is not None:
        from assay.flows.release.report import publish

        publish(done.facts, config.dataset / "report.html")
    return done


def finish(config: RunConfig, run_id: str) -> Finished:
    """The passes themselves, in whichever process runs them."""
    started, done = time.process_time(), Finished()
    if config.curate.enabled:
        done.counts["curation"] = curate(config, run_id, done)
    done.counts["report"] = report(config, run_id, done)
    if config.store.compact:
        compact(config, done)
    done.cpu_s = time.process_time() - started
    return done


def report(config: RunConfig, run_id: str, done: Finished) -> str:
    """The run's HTML report in its dataset folder (`assay report`); its summary becomes Prefect
    artifacts of the flow run. The data is committed by now: a report that cannot be written
    is said, not raised."""
    from assay.flows.release.report import render_report

    out = config.dataset / "report.html"
    try:
        done.facts = render_report(config.dataset, out, run_id)
    except Exception as exc:  # the run's data stands without its report
        done.notes.append(f"report not written ({type(exc).__name__}: {exc}); try `assay report`")
        return ""
    done.notes.append(f"report: {out}")
    return str(out)


def curate(config: RunConfig, run_id: str, done: Finished) -> dict[str, Any]:
    """A curation pass over the dataset once the run is done (`curate`): duplicates and
    benchmark overlaps are marked, difficulty labelled; a pass over unchanged data is a no-op."""
    from assay.flows.curate import curate_dataset

    found = curate_dataset(config.dataset, config.curate, run_id)
    kept = found["decisions"]["keep"]
    done.notes.append(f"curated: {kept} of {found['samples']} samples kept ({found['pass_id']})")
    return found


def compact(config: RunConfig, done: Finished) -> None:
    """Rewrite the dataset's small commit folders into large files once the run is done
    (`store.compact`), when there are enough of them to be worth it."""
    from assay.schemas.compact import compact_if_worthwhile

    found = compact_if_worthwhile(config.dataset, min_folders=config.store.compact_min_folders)
    if found is not None:
        done.notes.append(
            f"compacted {found.replaced} commit folders into {len(found.written)} "
            f"in {found.seconds:.1f}s"
        )
