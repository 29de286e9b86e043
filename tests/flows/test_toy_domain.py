"""A domain defined outside assay, in the test package `toydomain`, runs end to end once
registered with one line: its task format, config section, role and verifier, on the engine's
domain-flow skeleton, with the replay backend, then curation (its own normal form) and export
(its format flagged as a benchmark); its own view reads through `assay.flows.dataset`, and
`assay verify toy-reversed` sets up as its runs do. No file of assay names it."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import toydomain

from assay.flows.config import load_config
from assay.flows.curate import curate_dataset
from assay.flows.dataset import query, views
from assay.flows.domains import get, register
from assay.flows.engine.compute import Compute
from assay.flows.engine.rounds import run_programs
from assay.flows.progress import Progress
from assay.flows.release import export_dataset
from assay.flows.verify_setup import verify_setup
from assay.workers.replay import ReplayGenerator

register(toydomain.DOMAIN)

LINES = ["hello", "abc", "tenet"]


def _answers(tasks: dict[str, str]) -> dict[str, list[str]]:
    """hello: right twice, once in capitals (duplicates under the toy's normal form); abc: wrong
    at first, right in the repair round; tenet: never right."""
    return {
        f"{tasks['hello']}:solver": ["olleh", "OLLEH "],
        f"{tasks['abc']}:solver": ["abc"],
        f"{tasks['abc']}:solver:1": ["cba"],
        f"{tasks['tenet']}:solver": ["nope"],
    }


def test_a_registered_toy_domain_runs_curates_and_exports(tmp_path: Path) -> None:
    source = tmp_path / "lines.txt"
    source.write_text("\n".join(LINES) + "\n")
    config = load_config(
        None,
        [
            "domain=toy",
            f"dataset={tmp_path / 'ds'}",
            f"tasks=[{{file: {source}, format: toy-lines}}]",
            "toy.samples=2",
            "repair.rounds=1",
        ],
    )
    parts = get("toy").flow()
    state = parts.open_state(config)
    by_line = {t.prompt: t.id for t in state.tasks}
    name, options = parts.verifier(config)
    with Compute.local(ReplayGenerator(_answers(by_line)), name, state.limits, options) as compute:
        run_programs(state, parts, compute, Progress(quiet=True))
    counts = state.finish()
    assert counts["tasks"] == 3 and counts["samples"] == 3

    rows = query(config.dataset, "SELECT prompt, response, domain FROM samples").to_pylist()
    assert sorted((r["prompt"], r["response"]) for r in rows) == [
        ("abc", "cba"), ("hello", "OLLEH"), ("hello", "olleh"),
    ]  # fmt: skip
    assert {r["domain"] for r in rows} == {"toy"}
    verdicts = query(config.dataset, "SELECT DISTINCT verifier FROM verdicts").to_pylist()
    assert verdicts == [{"verifier": "toy-reversed"}]
    reversals = query(config.dataset, "SELECT round, answer, passed FROM toy_reversals")
    assert sorted(map(tuple, (r.values() for r in reversals.to_pylist()))) == [
        (0, "OLLEH", True), (0, "abc", False), (0, "nope", False), (0, "olleh", True),
        (1, "cba", True),
    ]  # fmt: skip

    report = curate_dataset(config.dataset, config.curate, state.run_id)
    assert report["decisions"]["keep"] == 2 and report["decisions"]["exact_duplicate"] == 1

    result = export_dataset(config.dataset, tmp_path / "release")
    assert list(result.files) == ["toy"] and result.rows == {"toy": 2}
    table = pq.read_table(tmp_path / "release" / result.files["toy"][0])
    assert sorted(r.lower() for r in table.column("response").to_pylist()) == ["cba", "olleh"]
    assert any("lines.txt (toy-lines)" in w for w in result.warnings)


def test_the_toy_section_is_validated_by_its_model_and_counts_in_the_run_id() -> None:
    base = ["domain=toy", "tasks=[{file: /dev/null, format: toy-lines}]"]
    assert load_config(None, base).section(toydomain.config.ToyConfig).samples == 2
    assert load_config(None, [*base, "toy.samples=3"]).id != load_config(None, base).id
    code = load_config(None, ["toy.samples=3"])  # another domain's run: not hashed
    assert code.id == load_config(None, []).id


def test_the_toy_view_and_verifier_are_reached_through_the_registry(tmp_path: Path) -> None:
    assert "toy_reversals" in views()  # listed beside the shared views, empty before any commit
    assert query(tmp_path / "none", "SELECT * FROM toy_reversals").num_rows == 0
    setup = verify_setup("toy-reversed", None, [])  # no --config: a toy run's defaults
    assert setup.verifier.name == "toy-reversed"
