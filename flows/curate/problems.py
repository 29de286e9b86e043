"""Which tasks of a domain pose one problem, and which nearly do, worked out in DuckDB tables a
chunk of tasks at a time, so a domain of millions of tasks never has its prompts or their MinHash
signatures in memory together.

The result is the table `_tasks (task_id, problem, similar)`: `problem` is the first task id (in
id order) whose prompt is the same, whitespace aside (`near.same_prompt`); `similar` is the first
task id of its cluster of near-duplicate prompts (`near.near_prompt`). Both match the in-memory
functions exactly: the LSH candidates are the pairs that share a band of their signatures (as in
rensa's index: contiguous bands of `num_perm / bands` values, each kept as a 64-bit hash),
confirmed by the signatures' Jaccard estimate, and clusters are connected components whose root
is their smallest task id.
"""

from __future__ import annotations

import hashlib
import operator
from array import array
from typing import Any

from assay.flows.curate.config import NearDedupConfig
from assay.flows.curate.near import Components, signatures

_TASKS = """
    SELECT i.task_id, arg_max(s.prompt, i.id) AS prompt
    FROM _inputs i JOIN samples s ON s.id = i.id
    WHERE i.domain = $domain GROUP BY 1 ORDER BY 1
"""
_PAIRS = """
    SELECT p.i, p.j, a.sig, b.sig FROM
      (SELECT DISTINCT x.n AS i, y.n AS j FROM _bands x JOIN _bands y
       ON x.band = y.band AND x.h = y.h AND x.n < y.n) p
    JOIN _sigs a ON a.n = p.i JOIN _sigs b ON b.n = p.j
"""


def _insert(con: Any, table: str, columns: dict[str, Any]) -> None:
    import pyarrow as pa

    chunk = pa.table(columns)  # noqa: F841  (read by the SQL below, by name)
    con.execute(f"INSERT INTO {table} SELECT * FROM chunk")


def task_problems(con: Any, domain: str, config: NearDedupConfig, chunk: int = 10_000) -> None:
    """Fill `_tasks` for `domain` (replacing what an earlier domain left there)."""
    con.execute("CREATE OR REPLACE TABLE _keys (n BIGINT, task_id VARCHAR, pkey VARCHAR)")
    con.execute("CREATE OR REPLACE TABLE _sigs (n BIGINT, sig BLOB)")
    con.execute("CREATE OR REPLACE TABLE _bands (band INTEGER, h BIGINT, n BIGINT)")
    stream, total = con.cursor(), 0
    stream.execute(_TASKS, {"domain": domain})
    while found := stream.fetchmany(chunk):
        ns = list(range(total, total + len(found)))
        keys = [hashlib.sha256(" ".join(p.split()).encode()).hexdigest() for _, p in found]
        _insert(con, "_keys", {"n": ns, "task_id": [t for t, _ in found], "pkey": keys})
        if config.enabled:
            mins = signatures([p for _, p in found], config)
            digests = [m.digest() for m in mins]
            _insert(con, "_sigs", {"n": ns, "sig": [array("I", d).tobytes() for d in digests]})
            width, bands = config.num_perm // config.bands, range(config.bands)
            hashes = [hash(tuple(d[b * width : (b + 1) * width])) for d in digests for b in bands]
            owners = [n for n in ns for _ in bands]
            _insert(con, "_bands", {"band": list(bands) * len(ns), "h": hashes, "n": owners})
        total += len(found)
    stream.close()
    problem = "min(k.task_id) OVER (PARTITION BY k.pkey)"
    if config.enabled and total > 1:
        _write_roots(con, _near_roots(con, total, config.threshold), chunk)
        con.execute(f"""
            CREATE OR REPLACE TABLE _tasks AS
            SELECT k.task_id, {problem} AS problem, r.task_id AS similar
            FROM _keys k JOIN _roots t ON t.n = k.n JOIN _keys r ON r.n = t.root
        """)
        con.execute("DROP TABLE _roots")
    else:  # `similar` is `problem`, as in `near_prompt`
        con.execute(f"""
            CREATE OR REPLACE TABLE _tasks AS
            SELECT task_id, problem, problem AS similar
            FROM (SELECT k.task_id, {problem} AS problem FROM _keys k)
        """)
    con.execute("DROP TABLE _keys; DROP TABLE _sigs; DROP TABLE _bands")


def _write_roots(con: Any, roots: list[int], chunk: int) -> None:
    """`_roots (n, root)`: each task number's cluster root, `chunk` rows at a time."""
    con.execute("CREATE OR REPLACE TABLE _roots (n BIGINT, root BIGINT)")
    for start in range(0, len(roots), chunk):
        span = list(range(start, min(len(roots), start + chunk)))
        _insert(con, "_roots", {"n": span, "root": roots[start : start + chunk]})


def _near_roots(con: Any, total: int, threshold: float) -> list[int]:
    """Each task's cluster root (its smallest member) over the confirmed candidate pairs."""
    comps = Components(total)
    pairs = con.cursor()
    pairs.execute(_PAIRS)
    while found := pairs.fetchmany(10_000):
        for i, j, a, b in found:
            x, y = array("I", a), array("I", b)
            if sum(map(operator.eq, x, y)) / len(x) >= threshold:
                comps.union(i, j)
    pairs.close()
    return [comps.find(i) for i in range(total)]
