"""The dataset card (`README.md`): the YAML header the Hub reads (configs and their data files,
license, size, task categories, name) and a body that says what the rows are and where they
came from. Everything in it comes from the data, so the same data gives the same card."""

from __future__ import annotations

from typing import Any

import yaml

from assay.flows.release.facts import Facts
from assay.flows.release.shards import SCHEMA

_BUCKETS = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
            (1_000_000, "100K<n<1M"), (10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M"),
            (1_000_000_000, "100M<n<1B"))  # fmt: skip


def size_category(rows: int) -> str:
    """The Hub's `size_categories` bucket for `rows`."""
    for bound, name in _BUCKETS:
        if rows < bound:
            return name
    return "n>1B"


def header(configs: dict[str, int], split: str, license: str, pretty_name: str) -> dict[str, Any]:
    names = sorted(configs)
    return {
        "pretty_name": pretty_name,
        "license": license,
        "task_categories": ["text-generation"],
        "tags": sorted({"code", "synthetic", "verified", *names}),
        "size_categories": [size_category(sum(configs.values()))],
        "configs": [
            {
                "config_name": name,
                "data_files": [{"split": split, "path": f"data/{name}/{split}-*"}],
            }
            | ({"default": True} if i == 0 else {})
            for i, name in enumerate(names)
        ],
    }


def _table(head: tuple[str, ...], rows: list[tuple[Any, ...]]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return lines + ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]


def _runs(facts: Facts) -> list[str]:
    rows = []
    for r in facts.lineage.runs:
        v = r["versions"]
        libs = ", ".join(f"{k} {v[k]}" for k in ("duckdb", "pyarrow", "ray", "prefect") if k in v)
        started = r["started_at"].strftime("%Y-%m-%d %H:%M UTC") if r["started_at"] else ""
        rows.append((f"`{r['id'][:12]}`", r["name"], r["domain"], r["state"], started,
                     v.get("assay", "?"), libs))  # fmt: skip
    head = ("run", "name", "domain", "state", "started", "assay", "libraries")
    return _table(head, rows) if rows else ["No run is recorded in the dataset."]


def body(
    facts: Facts, configs: dict[str, int], files: dict[str, int], split: str, name: str
) -> str:
    f = facts.funnel
    out = [f"# {name}", "", "Verified training data made by assay: every sample checked by a "
           "real verifier (sandboxed tests, simulator, prover).", ""]  # fmt: skip
    for warning in facts.lineage.own_benchmarks:
        out += [f"> **Warning: this data was generated from a benchmark's own tasks ({warning}).**"
                " Do not evaluate on that benchmark with a model trained on it.", ""]  # fmt: skip
    out += [f"> Note: {n}" for n in facts.notes] + ([""] if facts.notes else [])
    out += ["## Configs", ""]
    out += _table(("config", "split", "rows", "files"),
                  [(c, split, f"{configs[c]:,}", files[c]) for c in sorted(configs)])  # fmt: skip
    out += ["", "```python", "from datasets import load_dataset", "",
            f'ds = load_dataset("<this folder or repo>", "{sorted(configs)[0]}", split="{split}")',
            "```", "", "## Funnel", ""]  # fmt: skip
    out += _table(("tasks", "candidates (solutions)", "verified", "curated", "exported"),
                  [tuple(f"{f[k]:,}" for k in ("tasks", "candidates", "verified", "curated",
                                               "exported"))])  # fmt: skip
    out += ["", "A solution is verified when a verdict that counts passed it; curated rows are "
            "the samples the newest curation pass kept (exact and near duplicates and "
            "contaminated rows removed).", "", "## Verification levels", ""]  # fmt: skip
    out += _table(("level", "rows"), sorted(facts.levels.items()))
    out += ["", "## Difficulty (tasks, from sampled pass rates)", ""]
    out += _table(("difficulty", "tasks"), list(facts.difficulty.items()))
    sets = facts.lineage.decontamination
    out += ["", "## Decontamination", "",
            "Rows overlapping these benchmark sets were removed: " + ", ".join(sets) + "."
            if sets else "No benchmark set was named for decontamination: none was removed.",
            "", "## Producing runs", ""]  # fmt: skip
    out += _runs(facts)
    out += ["", "## Columns", "", ", ".join(f"`{n}`" for n in SCHEMA.names), ""]
    return "\n".join(out)


def render(facts: Facts, configs: dict[str, int], files: dict[str, int], split: str,
           name: str) -> str:  # fmt: skip
    """The whole card: YAML front matter, then the body."""
    meta = header(configs, split, facts.lineage.license, name)
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True)
    return f"---\n{front}---\n\n{body(facts, configs, files, split, name)}"
