"""A curation pass over a whole dataset: every sample gets a decision, committed atomically.

The pass id hashes the curate config, the benchmarks' content and what the decisions read of
each sample (its id, level and checks passed, its task's attempts and passes), so a pass over
unchanged data commits nothing and a new verdict that changes a level or a difficulty makes a
new pass. The newest pass is the one the `curation`, `curated_samples` and `difficulty` views
show. Decisions are per domain (dedup never crosses domains), one domain held in memory at a
time.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from assay.flows.curate.benchmarks import Index, fingerprint, load_items
from assay.flows.curate.config import CurateConfig
from assay.flows.curate.decide import Row, decide
from assay.schemas.records import Curation, Decision, content_id

# What a decision reads of each sample besides its text (which its id fixes), computed once: the
# pass id hashes it, so a new verdict that changes a level or a task's difficulty re-curates.
_INPUTS = """
    CREATE TEMP TABLE _inputs AS
    SELECT s.id, s.task_id, s.domain, coalesce(s.level, '') AS level, len(s.tests) AS checks,
           coalesce(d.attempts, 0) AS attempts, coalesce(d.passes, 0) AS passes
    FROM samples s LEFT JOIN difficulty d ON d.task_id = s.task_id
"""
_ROWS = """
    SELECT i.id, i.task_id, i.domain, s.prompt, s.response, i.level, i.checks, i.attempts,
           i.passes
    FROM _inputs i JOIN samples s ON s.id = i.id
    WHERE i.domain = $domain ORDER BY i.id
"""


def _inputs_id(con: Any, chunk: int = 10_000) -> str:
    """`content_id("inputs", rows)` of every sample's inputs, hashed as they stream past (the
    same bytes `content_id` would hash), so millions of samples are never one list here."""
    h = hashlib.sha256(b'["inputs",[')
    seen = con.execute("SELECT id, level, checks, attempts, passes FROM _inputs ORDER BY id")
    first = True
    while rows := seen.fetchmany(chunk):
        blob = ",".join(json.dumps(list(r), separators=(",", ":")) for r in rows)
        h.update((blob if first else "," + blob).encode())
        first = False
    h.update(b"]]")
    return h.hexdigest()[:24]


def curate_dataset(dataset: Path, config: CurateConfig, run_id: str = "") -> dict[str, Any]:
    """Run a pass (a no-op when the newest one already covers these samples under this
    config); counts per decision, whether it committed, and how long it took."""
    from assay.flows.dataset import reading
    from assay.schemas.store import Store

    started = time.monotonic()
    items = load_items(config.decontaminate.benchmarks, config.decontaminate.min_chars)
    index = Index(items, config.decontaminate)
    with reading(dataset) as con:  # held whole: a compaction meanwhile cannot fail the pass
        con.execute(_INPUTS)
        domains = [
            r[0] for r in con.sql("SELECT DISTINCT domain FROM _inputs ORDER BY 1").fetchall()
        ]
        inputs = _inputs_id(con)
        settings = config.model_dump(mode="json")
        pass_id = "curate:" + content_id("curation-pass", settings, fingerprint(items), inputs)[:16]
        store = Store(dataset)
        newest, passes = con.sql(
            "SELECT (SELECT any_value(pass_id) FROM curation), "
            "(SELECT count(DISTINCT committed_at) FROM raw_curation)"
        ).fetchall()[0]
        key = f"curate/{pass_id}"
        if store.has(key) and newest not in (None, pass_id):
            key += f"/again/{passes}"  # back to an earlier config: its pass becomes the newest
        decisions: list[Curation] = []
        if not store.has(key):
            for domain in domains:
                found = con.execute(_ROWS, {"domain": domain}).fetchall()
                rows = [Row(*r) for r in found]
                decisions += decide(
                    pass_id, rows, config, lambda r: index.match(r.domain, r.prompt, r.response)
                )
    committed = False
    if decisions:
        decisions = [replace(d, pass_config=settings) for d in decisions]
        committed = store.write(store.prepare(key, {"curation": decisions}, run_id=run_id))
    took = time.monotonic() - started
    return {"pass_id": pass_id, "committed": committed, **summary(dataset), "seconds": took}


def summary(dataset: Path) -> dict[str, Any]:
    """The newest pass's counts: samples per decision, and kept samples whose task is itself a
    benchmark item (the run's tasks are a benchmark: say so, do not release them unawares)."""
    from assay.flows.dataset import query

    found = query(dataset, "SELECT decision, count(*) AS n FROM curation GROUP BY 1").to_pylist()
    counts = {d.value: 0 for d in Decision} | {r["decision"]: r["n"] for r in found}
    sql = (
        "SELECT count(*) AS n FROM curation WHERE decision = 'keep' AND matched LIKE 'benchmark:%'"
    )
    return {
        "samples": sum(counts.values()),
        "decisions": counts,
        "benchmark_tasks": query(dataset, sql).to_pylist()[0]["n"],
    }
