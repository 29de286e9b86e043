"""`assay report`: one self-contained HTML file that a real headless browser renders with every
plot and the bars the data says; one run's report; the summary as Prefect artifacts inside a
flow run and nothing outside one."""

from __future__ import annotations

import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from browser import chromium, dump_dom, screenshot
from typer.testing import CliRunner

from assay.flows.cli import app
from assay.flows.release import write_report
from assay.flows.release.facts import collect
from assay.flows.release.report import publish
from assay.flows.release.source import open_source
from assay.schemas.query import query

PLOTS = {
    "funnel": "Funnel",
    "pass-rate": "Pass rate per task",
    "difficulty": "Difficulty (tasks)",
    "pass-at-1": "pass@1 per round",
    "statuses": "Verdict statuses",
    "check-time": "Check time by role (s)",
}


class Plots(HTMLParser):
    """Each svg.plot of a DOM: its title and its bars as (label, value)."""

    def __init__(self) -> None:
        super().__init__()
        self.plots: dict[str, dict] = {}
        self.current: str | None = None
        self.in_title = False
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        for key in ("src", "href"):
            if a.get(key):
                self.external.append(a[key])
        if tag == "svg" and "plot" in (a.get("class") or ""):
            self.current = a["data-plot"]
            self.plots[self.current] = {"title": "", "bars": []}
        elif tag == "title" and self.current and not self.plots[self.current]["title"]:
            self.in_title = True
        elif tag == "rect" and self.current and a.get("class") == "bar":
            self.plots[self.current]["bars"].append((a["data-label"], float(a["data-value"])))

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self.current = None
        self.in_title = False

    def handle_data(self, data: str) -> None:
        if self.in_title and self.current:
            self.plots[self.current]["title"] += data


def _count(dataset: Path, sql: str) -> int:
    return int(query(dataset, sql).to_pylist()[0]["n"])


@pytest.mark.skipif(
    chromium() is None, reason="chromium is not installed (apt-get install chromium)"
)
def test_the_report_renders_in_a_real_browser_with_every_plot(
    dataset: Path, tmp_path: Path
) -> None:
    page = write_report(dataset, tmp_path / "report.html")
    assert "<script" not in page.read_text()
    parsed = Plots()
    parsed.feed(dump_dom(page, tmp_path / "profile"))
    assert parsed.external == []  # self-contained: nothing to fetch
    assert {k: v["title"] for k, v in parsed.plots.items()} == PLOTS
    funnel = dict(parsed.plots["funnel"]["bars"])
    assert funnel == {"tasks": 6, "candidates": 20, "verified": 6, "curated": 6, "exported": 6}
    assert funnel["tasks"] == _count(dataset, "SELECT count(*) AS n FROM tasks")
    assert funnel["curated"] == _count(dataset, "SELECT count(*) AS n FROM curated_samples")
    assert dict(parsed.plots["difficulty"]["bars"]) == {
        "easy": 0, "medium": 4, "hard": 2, "unsolved": 0}  # fmt: skip
    rates = parsed.plots["pass-rate"]["bars"]
    assert len(rates) == 10 and sum(v for _, v in rates) == 6
    known = query(dataset, "SELECT pass_rate FROM difficulty WHERE pass_rate IS NOT NULL")
    tenths = [min(int(r * 10), 9) for r in known.column("pass_rate").to_pylist()]
    assert [v for _, v in rates] == [tenths.count(b) for b in range(10)]  # binned in SQL
    statuses = dict(parsed.plots["statuses"]["bars"])
    assert statuses == {
        r["status"]: r["n"]
        for r in query(dataset, "SELECT status, count(*) AS n FROM verdicts GROUP BY 1").to_pylist()
    }
    rounds = dict(parsed.plots["pass-at-1"]["bars"])
    assert set(rounds) == {"round 0", "round 1"} and rounds["round 1"] == 1.0
    assert {label for label, _ in parsed.plots["check-time"]["bars"]} == {
        "solver", "tester", "repairer"}  # fmt: skip
    png = tmp_path / "report.png"
    screenshot(page, png, tmp_path / "profile")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000


def test_a_report_of_one_run_and_of_an_unknown_run(dataset: Path, tmp_path: Path) -> None:
    run = query(dataset, "SELECT id FROM runs").to_pylist()[0]["id"]
    runner = CliRunner()
    ok = runner.invoke(app, ["report", "-d", str(dataset), "-o", str(tmp_path / "r.html"),
                             "--run", run[:8]])  # fmt: skip
    assert ok.exit_code == 0, ok.output
    assert f"Scope: run {run[:8]}" in (tmp_path / "r.html").read_text()
    bad = runner.invoke(app, ["report", "-d", str(dataset), "-o", str(tmp_path / "x.html"),
                              "--run", "0000dead"])  # fmt: skip
    assert bad.exit_code == 1 and "no run '0000dead'" in bad.output
    assert not (tmp_path / "x.html").exists()
    missing = runner.invoke(app, ["report", "-d", str(tmp_path / "nope"), "-o", "x.html"])
    assert missing.exit_code == 1 and "no such folder" in missing.output


def test_outside_a_flow_run_nothing_is_published(dataset: Path, tmp_path: Path) -> None:
    source = open_source(dataset)
    try:
        facts = collect(source)
    finally:
        source.close()
    assert publish(facts, tmp_path / "r.html") is False


ARTIFACTS = """
import asyncio, sys
from pathlib import Path
from prefect import flow
from prefect.client.orchestration import get_client
from assay.flows.release import write_report

@flow
def release(dataset: str, out: str) -> str:
    return str(write_report(dataset, out))

async def artifacts():
    async with get_client() as client:
        return [(a.key, a.type, str(a.data)) for a in await client.read_artifacts()]

release(sys.argv[1], sys.argv[2])
for key, kind, data in asyncio.run(artifacts()):
    print(key, kind, data.replace(chr(10), " "))
"""


@pytest.mark.slow
def test_inside_a_flow_run_the_summary_is_published_as_artifacts(
    dataset: Path, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(tmp_path / "prefect"), PREFECT_SERVER_ANALYTICS_ENABLED="false",
               PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="180")  # fmt: skip
    out = tmp_path / "report.html"
    done = subprocess.run([sys.executable, "-c", ARTIFACTS, str(dataset), str(out)], env=env,
                          capture_output=True, text=True, timeout=240)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    table = [line for line in lines if line.startswith("assay-summary table")]
    markdown = [line for line in lines if line.startswith("assay-report markdown")]
    assert len(table) == 1 and "curated" in table[0] and "exported" in table[0]
    assert len(markdown) == 1 and out.absolute().as_uri() in markdown[0]
    assert out.exists()
