"""Where released data came from: the runs that produced it (configs, assay and library
versions), its license, the benchmark sets curation kept out, and whether the runs' own tasks
are a benchmark (then decontaminating against it would flag every row: the release says so)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assay.flows.release.source import Source


def benchmark_formats() -> frozenset[str]:
    """Task formats that import a public benchmark: every domain's registered importers (assay's
    own task files are the one format that is not one), read from the registry so a domain's new
    importer is flagged without a second list to keep."""
    from assay.flows.domains import DOMAINS

    return frozenset(f for domain in DOMAINS.values() for f in domain.formats)


@dataclass
class Lineage:
    runs: list[dict[str, Any]]  # id, name, state, domain, started_at, seconds, versions
    license: str
    decontamination: list[str]  # "name (format)" of each benchmark set of the curation pass
    own_benchmarks: list[str] = field(default_factory=list)  # a run's tasks that are a benchmark


def _json(text: str | None) -> Any:
    try:
        return json.loads(text) if text else {}
    except ValueError:
        return {}


def _benchmark_sets(source: Source) -> list[dict[str, Any]]:
    row = source.con.execute("SELECT pass_config FROM curation LIMIT 1").fetchall()
    config = _json(row[0][0]) if row else {}
    found = (config.get("decontaminate") or {}).get("benchmarks") or []
    return [b for b in found if isinstance(b, dict)]


def _own_benchmarks(
    source: Source, configs: list[dict[str, Any]], sets: list[dict[str, Any]]
) -> list[str]:
    """Task sources in a known benchmark's format or named as a decontamination set, and kept
    rows the curation pass found to be benchmark items themselves."""
    named = {PurePath(str(b.get("file"))).name for b in sets if b.get("file")}
    out: list[str] = []
    formats = benchmark_formats()
    if source.curated:
        found = source.con.execute(
            "SELECT split_part(matched, ':', 2), count(*) FROM curation WHERE decision = 'keep' "
            "AND matched LIKE 'benchmark:%' GROUP BY 1 ORDER BY 1"
        ).fetchall()
        out += [f"{n} kept rows are items of benchmark set {name}" for name, n in found]
    for config in configs:
        for task in config.get("tasks") or []:
            fmt, file = task.get("format"), task.get("file")
            name = PurePath(str(file)).name if file else ""
            if fmt in formats or (name and name in named):
                out.append(f"{name or file} ({fmt})")
    return sorted(set(out))


def lineage(source: Source, run: str | None = None) -> Lineage:
    where = "true" if run is None else f"id LIKE '{run.replace(chr(39), '')}%'"
    rows = source.rows(
        "SELECT id, name, state, started_at, epoch(ended_at) - epoch(started_at) AS seconds, "
        f"config, versions FROM runs WHERE {where} ORDER BY started_at NULLS LAST, id"
    )
    configs = [_json(r.pop("config")) for r in rows]
    for r, config in zip(rows, configs, strict=True):
        r["domain"] = config.get("domain", "")
        r["versions"] = _json(r["versions"])
    licenses = [str(c.get("license") or "other") for c in configs]
    sets = _benchmark_sets(source) if source.curated else []
    return Lineage(
        runs=rows,
        license=licenses[-1] if licenses else "other",
        decontamination=[
            f"{b.get('name') or PurePath(str(b.get('file'))).name} ({b.get('format')})"
            for b in sets
        ],
        own_benchmarks=_own_benchmarks(source, configs, sets),
    )
