"""What a run does once its rounds end: a curation pass, the HTML report and compaction, each
said on the progress line. The run's data is committed before any of them starts."""

from __future__ import annotations

from typing import Any

from assay.flows.config import RunConfig
from assay.flows.progress import Progress


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
