"""`assay report` and the end of every run: one self-contained HTML file (inline SVG, no script,
nothing fetched) with the funnel, pass rates, difficulty, pass@1 per round, verdict statuses and
check time; inside a Prefect flow run the same summary is published as artifacts."""

from __future__ import annotations

import os
from html import escape
from pathlib import Path
from typing import Any

from assay.flows.release.facts import Facts, collect
from assay.flows.release.plots import hbars, histogram, vbars
from assay.flows.release.source import open_source

TIME_NOTE = (
    "Check time is the sum of each verdict's duration_s by the role of the candidate checked: "
    "sandbox seconds, summed over parallel workers, so it can exceed wall time. Run wall time is "
    "ended_at − started_at of each run. Generation time is not recorded per stage."
)
_CSS = (
    "body{font-family:sans-serif;margin:24px;max-width:1200px;color:#222}"
    "section{display:inline-block;vertical-align:top;margin:0 24px 24px 0}"
    "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;"
    "padding:3px 8px;text-align:left}.note{color:#555;font-size:13px;max-width:900px}"
)


def _table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "<p class='note'>none</p>"
    head = "".join(f"<th>{escape(str(k))}</th>" for k in rows[0])
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in r.values()) + "</tr>" for r in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def summary(facts: Facts) -> list[dict[str, Any]]:
    """The funnel and headline rates as rows (the table artifact and the report's first table)."""
    rows: list[dict[str, Any]] = [{"stage": k, "count": v} for k, v in facts.funnel.items()]
    rows += [{"stage": f"verdicts {k}", "count": v} for k, v in facts.statuses.items()]
    return rows


def _rounded(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: round(v, 3) if isinstance(v, float) else v for k, v in r.items()} for r in rows]


def _runs(facts: Facts) -> list[dict[str, Any]]:
    return [{"run": r["id"][:12], "name": r["name"], "domain": r["domain"], "state": r["state"],
             "wall s": round(r["seconds"], 1) if r["seconds"] is not None else "",
             "assay": r["versions"].get("assay", "")} for r in facts.lineage.runs]  # fmt: skip


def _budget(facts: Facts) -> list[str]:
    """A dart run's spend per difficulty band (`release.budget`); nothing for fixed-n runs."""
    if not facts.budget:
        return []
    head = "<section><h3>Sampling budget per difficulty band (dart)</h3>"
    return [head + _table(facts.budget) + "</section>"]


def render(facts: Facts, title: str) -> str:
    """The report as one HTML document."""

    def counts(d: dict[str, int]) -> list[tuple[str, float]]:
        return [(k, float(v)) for k, v in d.items()]

    rounds = [(f"round {r['round']}", r["pass_at_1"] or 0.0) for r in facts.rounds]
    seconds = [(r["role"], round(r["seconds"], 2)) for r in facts.check_time]
    plots = [
        hbars("funnel", "Funnel", counts(facts.funnel)),
        vbars("pass-rate", "Pass rate per task", histogram(facts.pass_rate_bins)),
        vbars("difficulty", "Difficulty (tasks)", counts(facts.difficulty)),
        vbars("pass-at-1", "pass@1 per round", rounds, top=1.0),
        hbars("statuses", "Verdict statuses", counts(facts.statuses)),
        hbars("check-time", "Check time by role (s)", seconds, unit=" s"),
    ]
    scope = f"run {facts.run}" if facts.run else "every run in the dataset"
    notes = [*facts.notes, *(f"WARNING: the run's own tasks are a benchmark: {b}"
                             for b in facts.lineage.own_benchmarks)]  # fmt: skip
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title>",
        f"<style>{_CSS}</style></head><body><h1>{escape(title)}</h1>",
        f"<p class='note'>Scope: {escape(scope)}; released rows from <code>{facts.table}</code>."
        " Solutions are solver, repairer, prover and translator candidates; verified means a "
        "verdict that counts passed them; pass@1 is the mean over tasks of passing over decided "
        "solutions in that round; exported counts the rows `assay export` writes now.</p>",
        *(f"<p class='note'><b>{escape(n)}</b></p>" for n in notes),
        *(f"<section>{p}</section>" for p in plots),
        f"<p class='note'>{escape(TIME_NOTE)}</p>",
        "<section><h3>Domains</h3>" + _table(facts.domains) + "</section>",
        "<section><h3>Verification levels</h3>"
        + _table([{"level": k, "rows": v} for k, v in facts.levels.items()])
        + "</section>",
        "<section><h3>pass@1 per round</h3>" + _table(_rounded(facts.rounds)) + "</section>",
        *_budget(facts),
        "<section><h3>Runs</h3>" + _table(_runs(facts)) + "</section>",
        "</body></html>",
    ]
    return "\n".join(parts)


def publish(facts: Facts, path: Path) -> bool:
    """The summary as Prefect artifacts of the current flow run; False (nothing done) outside
    one."""
    from prefect.context import FlowRunContext

    if FlowRunContext.get() is None:
        return False
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    create_table_artifact(table=summary(facts), key="assay-summary", description="assay funnel")
    lines = [f"**assay report**: [{path.name}]({path.absolute().as_uri()}) (`{path.absolute()}`)",
             "", *(f"- {k}: {v:,}" for k, v in facts.funnel.items())]  # fmt: skip
    create_markdown_artifact(markdown="\n".join(lines), key="assay-report", description="report")
    return True


def render_report(dataset: Path | str, out: Path | str, run_id: str | None = None) -> Facts:
    """Write the report of `dataset` (or of one run of it) to `out`, atomically; its facts."""
    source = open_source(dataset, curate=False)
    try:
        facts = collect(source, run_id)
    finally:
        source.close()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    tmp.write_text(render(facts, f"assay report: {Path(dataset).name}"))
    tmp.replace(out)
    return facts


def write_report(dataset: Path | str, out: Path | str, run_id: str | None = None) -> Path:
    """Write the report (`render_report`) and publish its summary when called inside a flow
    run."""
    out = Path(out)
    publish(render_report(dataset, out, run_id), out)
    return out
