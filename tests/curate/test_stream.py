"""A pass decides a domain a batch of whole problems at a time, with its problems and
near-prompt clusters worked out in DuckDB a chunk of tasks at a time: the decisions are the
ones `decide` makes holding every row of the domain at once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_duplicates import (
    CONTEST,
    CONTEST_SOLUTIONS,
    SOLUTIONS,
    _docstring_prompt,
)

from assay.flows.curate import CurateConfig, curate_dataset, stream
from assay.flows.curate.decide import Row, decide
from assay.flows.dataset import reading
from assay.schemas.query import read_records
from assay.schemas.records import Decision, Sample
from assay.schemas.store import Store

_ALL_ROWS = """
    SELECT i.id, i.task_id, i.domain, s.prompt, s.response, i.level, i.checks, i.attempts,
           i.passes
    FROM _inputs i JOIN samples s ON s.id = i.id ORDER BY i.id
"""


def _dataset(root: Path) -> Path:
    """Samples over problems that exercise every rule: the same prompt under two task ids
    (whitespace aside), a reworded prompt, docstring boilerplate, copied and near-copied
    responses, and levels that decide which copy stays."""
    reworded = CONTEST["sum"].replace("Polycarp", "Polikarp").replace("ledger", "notebook")
    prompts = {
        "sum": CONTEST["sum"],
        "sum-copy": "  " + CONTEST["sum"].replace(" ", "  ") + "\n",
        "sum-again": reworded,
        "max": CONTEST["max"],
        "totals": _docstring_prompt("totals"),
        "maxima": _docstring_prompt("maxima"),
    }
    answers = {
        "sum": CONTEST_SOLUTIONS["sum"],
        "sum-copy": [CONTEST_SOLUTIONS["sum"][0], CONTEST_SOLUTIONS["sum"][1] + "\n# same\n"],
        "sum-again": CONTEST_SOLUTIONS["sum"][:2],
        "max": CONTEST_SOLUTIONS["max"] * 2,
        "totals": SOLUTIONS["totals"] + [SOLUTIONS["totals"][0].replace("total", "tally")],
        "maxima": SOLUTIONS["maxima"],
    }
    levels = ["trusted_tests", "simulation", "consensus_only"]
    samples = [
        Sample(f"t-{task}", f"c-{task}-{k}", "code", prompts[task], text, level=levels[k % 3])
        for task, texts in answers.items()
        for k, text in enumerate(texts)
    ]
    store = Store(root)
    store.write(store.prepare("select/run-1", {"samples": samples}, run_id="run-1"))
    return root


def _in_memory(dataset: Path, config: CurateConfig, pass_id: str) -> dict[str, tuple]:
    from assay.flows.curate.run import _INPUTS

    with reading(dataset) as con:
        con.execute(_INPUTS)
        rows = [Row(*r) for r in con.execute(_ALL_ROWS).fetchall()]
    return _facts(decide(pass_id, rows, config, lambda r: None))


def _facts(decisions: list) -> dict[str, tuple]:
    return {
        d.sample_id: (d.decision, d.matched, d.similarity, d.same_prompt_as, d.difficulty)
        for d in decisions
    }


@pytest.mark.parametrize("near", [True, False])
def test_batches_of_two_rows_decide_as_the_whole_domain_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, near: bool
) -> None:
    config = CurateConfig(near={"enabled": near})
    whole = _dataset(tmp_path / "whole")
    small = tmp_path / "small"
    shutil.copytree(whole, small)
    curate_dataset(whole, config)
    monkeypatch.setattr(stream, "BATCH", 2)  # every problem its own batch, tasks in chunks of 2
    curate_dataset(small, config)
    streamed = read_records(small, "curation")
    pass_id = streamed[0].pass_id
    assert _facts(streamed) == _in_memory(small, config, pass_id)
    assert _facts(read_records(whole, "curation")) == _facts(streamed)
    decisions = {d.decision for d in streamed}
    assert Decision.EXACT_DUPLICATE in decisions  # the data exercises the rules
    assert (Decision.NEAR_DUPLICATE in decisions) == near
    notes = {d.task_id: d.same_prompt_as for d in streamed}
    assert notes["t-sum-copy"] == "t-sum"
    assert (notes["t-sum-again"] == "t-sum") == near
