"""`assay export`: the curated samples in the Hugging Face Hub's layout, one config per domain
(`data/<domain>/<split>-00000-of-0000N.parquet`), plus a dataset card, so that
`datasets.load_dataset(folder, domain)` loads them.

Files are written to a staging folder under `out` and swapped into place at the end in one
atomic step (`release.swap`): a failed or killed export leaves the previous one as it was. Only
`data/` and `README.md` in `out` are replaced."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from assay.flows.release.card import render
from assay.flows.release.facts import Facts, collect
from assay.flows.release.shards import ROW_BYTES, plan, write_config
from assay.flows.release.source import ReleaseError, Source, open_source
from assay.flows.release.swap import publish, recover

_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
_MB = 1_000_000
STAGING = ".assay-export"


@dataclass
class ExportResult:
    out: Path
    files: dict[str, list[Path]]  # per config (domain), relative to `out`
    rows: dict[str, int]
    facts: Facts
    warnings: list[str] = field(default_factory=list)


def _relation(source: Source) -> str:
    """The rows to release; without a curation pass, samples with their task's difficulty."""
    if source.curated:
        return "curated_samples"
    return (
        "(SELECT s.*, d.difficulty, d.pass_rate, d.attempts, d.passes FROM samples s "
        "LEFT JOIN difficulty d ON d.task_id = s.task_id)"
    )


def _write(source: Source, staging: Path, split: str, max_shard_mb: float) -> dict[str, list[Path]]:
    relation = _relation(source)
    stats = source.con.sql(
        f"SELECT domain, count(*), sum({ROW_BYTES})::BIGINT FROM {relation} "
        "GROUP BY domain ORDER BY domain"
    ).fetchall()
    files: dict[str, list[Path]] = {}
    for domain, rows, nbytes in stats:
        if not isinstance(domain, str) or not _NAME.fullmatch(domain):
            raise ReleaseError(f"a sample has domain {domain!r}, which cannot name a config")
        layout = plan(
            rows, nbytes, int(max_shard_mb * _MB), min(100 * _MB, int(max_shard_mb * _MB))
        )
        where = f"(SELECT * FROM {relation} WHERE domain = '{domain}')"
        written = write_config(source.con, where, layout, staging / "data" / domain, split)
        files[domain] = [p.relative_to(staging) for p in written]
    return files


def export_dataset(
    dataset: Path | str,
    out: Path | str,
    split: str = "train",
    max_shard_mb: float = 500,
    name: str | None = None,
) -> ExportResult:
    """Curate if needed, then write the release into `out`; bad input raises `ReleaseError`."""
    if not _NAME.fullmatch(split):
        raise ReleaseError(f"--split {split!r}: use letters, digits and underscores (e.g. train)")
    if max_shard_mb <= 0:
        raise ReleaseError(f"--max-shard-mb must be above 0, not {max_shard_mb}")
    out = Path(out)
    recover(out / STAGING, out, legacy=out / f"{STAGING}-old")  # what a killed export left
    source = open_source(dataset, curate=True)
    try:
        if not source.scalar("SELECT count(*) FROM samples"):
            raise ReleaseError(f"{dataset} has no samples: nothing to export (a run commits them)")
        if not source.scalar(f"SELECT count(*) FROM {source.table}"):
            raise ReleaseError(f"{dataset}: curation kept no sample; `assay sql \"SELECT decision, "
                               "count(*) FROM curation GROUP BY ALL\"` says why")  # fmt: skip
        staging = out / STAGING
        for scrap in (staging, out / f"{STAGING}-old"):
            shutil.rmtree(scrap, ignore_errors=True)
        staging.mkdir(parents=True)
        files = _write(source, staging, split, max_shard_mb)
        facts = collect(source)
    finally:
        source.close()
    import pyarrow.parquet as pq

    rows = {d: sum(pq.read_metadata(staging / p).num_rows for p in fs) for d, fs in files.items()}
    facts.funnel["exported"] = sum(rows.values())
    runs = facts.lineage.runs
    title = name or (runs[-1]["name"] if runs and runs[-1]["name"] else Path(dataset).name)
    counts = {d: len(fs) for d, fs in files.items()}
    (staging / "README.md").write_text(render(facts, rows, counts, split, title))
    publish(staging, out)
    warnings = [f"the run's own tasks are a benchmark: {b}; models trained on this data must not "
                "be evaluated on it" for b in facts.lineage.own_benchmarks]  # fmt: skip
    return ExportResult(out, files, rows, facts, warnings + facts.notes)
