"""A curation pass over a whole dataset: every sample gets a decision, committed atomically.

The pass id hashes the curate config, the benchmarks' content and what the decisions read of
each sample (its id, level and checks passed, its task's attempts and passes), so a pass over
unchanged data commits nothing and a new verdict that changes a level or a difficulty makes a
new pass. The newest pass is the one the `curation`, `curated_samples` and `difficulty` views
show. Decisions are per domain (dedup never crosses domains) and within a domain per problem
(`curate.stream`), streamed in batches into one commit (`schemas.streamed`); DuckDB holds the
rest within `memory_mb`, spilling to the store's staging folder, outside the dataset.
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
from assay.flows.curate.stream import domain_decisions
from assay.schemas.records import Decision, content_id

# What a decision reads of each sample besides its text (which its id fixes), computed once: the
# pass id hashes it, so a new verdict that changes a level or a task's difficulty re-curates.
_INPUTS = """
    CREATE TABLE _inputs AS
    SELECT s.id, s.task_id, s.domain, coalesce(s.level, '') AS level, len(s.tests) AS checks,
           coalesce(d.attempts, 0) AS attempts, coalesce(d.passes, 0) AS passes
    FROM samples s LEFT JOIN difficulty d ON d.task_id = s.task_id
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
    from assay.schemas.streamed import streamed_commit

    started = time.monotonic()
    items = load_items(config.decontaminate.benchmarks, config.decontaminate.min_chars)
    index = Index(items, config.decontaminate)

    def contamination(r: Any) -> Any:
        return index.match(r.domain, r.prompt, r.response)

    store = Store(dataset)
    # held whole: a compaction meanwhile cannot fail the pass
    with store.staged() as scratch, reading(dataset) as con:
        con.execute(f"SET memory_limit = '{config.memory_mb}MB'")
        con.execute("SET temp_directory = '" + str(scratch).replace("'", "''") + "'")
        con.execute(_INPUTS)
        domains = [
            r[0] for r in con.sql("SELECT DISTINCT domain FROM _inputs ORDER BY 1").fetchall()
        ]
        inputs = _inputs_id(con)
        settings = config.model_dump(mode="json", exclude={"memory_mb"})  # not what is decided
        pass_id = "curate:" + content_id("curation-pass", settings, fingerprint(items), inputs)[:16]
        newest, passes = con.sql(
            "SELECT (SELECT any_value(pass_id) FROM curation), "
            "(SELECT count(DISTINCT committed_at) FROM raw_curation)"
        ).fetchall()[0]
        key = f"curate/{pass_id}"
        if store.has(key) and newest not in (None, pass_id):
            key += f"/again/{passes}"  # back to an earlier config: its pass becomes the newest
        committed = False
        if not store.has(key):
            with streamed_commit(store, key, "curation", run_id=run_id) as sink:
                for domain in domains:
                    found = domain_decisions(con, domain, pass_id, config, contamination)
                    for batch in found:
                        sink.write([replace(d, pass_config=settings) for d in batch])
            committed = sink.published
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
