"""Curation on planted cases: exact and near duplicates, a benchmark solution pasted into a
sample, a paraphrased VerilogEval spec, difficulty at its boundaries; clean rows untouched. Then
a whole pass over a real dataset: committed once, views, and `assay curate`."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

from assay.flows.curate import CurateConfig, curate_dataset
from assay.flows.curate.benchmarks import Index, load_items
from assay.flows.curate.config import BenchmarkSet, DecontamConfig, DifficultyConfig
from assay.flows.curate.decide import Row, decide
from assay.schemas.query import query
from assay.schemas.records import Decision, Sample
from assay.schemas.store import Store

SHARED = Path(__file__).resolve().parents[3] / "shared" / "benchmarks"

MEDIAN = '''def running_median(values: list[int]) -> list[float]:
    """The median of every prefix of values."""
    result = []
    window = []
    for value in values:
        window.append(value)
        ordered = sorted(window)
        middle = len(ordered) // 2
        if len(ordered) % 2:
            result.append(float(ordered[middle]))
        else:
            result.append((ordered[middle - 1] + ordered[middle]) / 2)
    return result
'''
REFORMATTED = MEDIAN.replace("    result = []\n", "    # collect as we go\n    result   = [ ]\n")
RENAMED = MEDIAN.replace("result", "medians")  # a local renamed in a longer function
OTHER = '''def word_lengths(text: str) -> dict[str, int]:
    """Each distinct word of text with its length."""
    return {word: len(word) for word in text.split()}
'''
PROMPT = "Write running_median(values) returning the median of every prefix."


def _row(name: str, response: str, prompt: str = PROMPT, domain: str = "code", **kw) -> Row:
    fields = {"level": "trusted_tests", "checks": 3, "attempts": 4, "passes": 2} | kw
    return Row(f"s-{name}", f"t-{name}", domain, prompt, response, **fields)


def _decide(rows: list[Row], config: CurateConfig | None = None, index: Index | None = None):
    config = config or CurateConfig()
    match = (lambda r: index.match(r.domain, r.prompt, r.response)) if index else lambda r: None
    return {d.sample_id: d for d in decide("pass", rows, config, match)}


def test_exact_duplicates_keep_the_strongest_row() -> None:
    rows = [
        _row("a", MEDIAN, level="validated_tests"),
        _row("b", REFORMATTED),  # the same tokens: comments and layout differ
        _row("c", OTHER, prompt="Write word_lengths(text)."),
    ]
    out = _decide(rows)
    assert out["s-b"].decision == Decision.KEEP  # trusted tests outrank validated ones
    assert out["s-a"].decision == Decision.EXACT_DUPLICATE and out["s-a"].matched == "s-b"
    assert out["s-c"].decision == Decision.KEEP and out["s-c"].reason == ""


def test_near_duplicates_with_a_renamed_variable_collapse_to_one() -> None:
    out = _decide([_row("a", MEDIAN), _row("b", RENAMED, checks=5), _row("c", OTHER)])
    assert out["s-b"].decision == Decision.KEEP  # more checks passed
    assert out["s-a"].decision == Decision.NEAR_DUPLICATE
    assert out["s-a"].matched == "s-b" and out["s-a"].similarity >= 0.7
    assert out["s-c"].decision == Decision.KEEP
    off = CurateConfig(near={"enabled": False})
    assert _decide([_row("a", MEDIAN), _row("b", RENAMED)], off)["s-a"].decision == Decision.KEEP


def _humaneval_file(tmp: Path) -> Path:
    path = tmp / "HumanEval.jsonl.gz"
    line = {
        "task_id": "HumanEval/999",
        "prompt": 'def running_median(values: list[int]) -> list[float]:\n    """The median '
        'of every prefix of values."""\n',
        "canonical_solution": MEDIAN.split('values."""\n', 1)[1],
        "test": "def check(candidate):\n    assert candidate([1]) == [1.0]\n",
        "entry_point": "running_median",
    }
    with gzip.open(path, "wt") as fh:
        fh.write(json.dumps(line) + "\n")
    return path


def test_a_benchmark_solution_pasted_into_a_sample_is_contaminated(tmp_path: Path) -> None:
    bench = BenchmarkSet(file=_humaneval_file(tmp_path), format="humaneval", name="he")
    config = DecontamConfig(benchmarks=[bench])
    index = Index(load_items([bench], config.min_chars), config)
    pasted = "Here is a helper I found:\n\n" + MEDIAN + "\nprint(running_median([3, 1]))\n"
    rows = [_row("a", pasted, prompt="Print running medians."), _row("b", OTHER)]
    out = _decide(rows, index=index)
    assert out["s-a"].decision == Decision.CONTAMINATED
    assert out["s-a"].matched == "benchmark:he:HumanEval/999" and "substring" in out["s-a"].reason
    assert out["s-b"].decision == Decision.KEEP and out["s-b"].matched == ""
    # A run over the benchmark itself: reported on the kept row, not flagged.
    own = _row("c", MEDIAN, prompt=load_items([bench], 50)[0].prompt)
    found = _decide([own], index=index)["s-c"]
    assert found.decision == Decision.KEEP and found.matched.startswith("benchmark:he:")


SPEC = (
    "I would like you to implement a module named TopModule with the following interface. "
    "All input and output ports are one bit unless otherwise specified. - input clk - input "
    "reset - input ena - output pm - output hh (8 bits) - output mm (8 bits) - output ss (8 "
    "bits) Create a set of counters suitable for use as a 12-hour clock (with am/pm indicator). "
    "Your counters are clocked by a fast-running clk, with a pulse on ena whenever your clock "
    "should increment (i.e., once per second, while clk is much faster than once per second)."
)
PARAPHRASE = (
    "Please implement a module called TopModule with this interface. All ports are one bit "
    "unless specified otherwise. - input clk - input reset - input ena - output pm - output hh "
    "(8 bits) - output mm (8 bits) - output ss (8 bits) Build a set of counters suitable for a "
    "12-hour clock with an am/pm indicator. The counters are clocked by a fast clk, with a pulse "
    "on ena whenever the clock should increment (once per second, while clk runs much faster)."
)


def test_a_paraphrased_verilogeval_spec_is_contaminated(tmp_path: Path) -> None:
    folder = tmp_path / "spec-to-rtl"
    folder.mkdir()
    (folder / "Prob999_clock_prompt.txt").write_text(SPEC)
    (folder / "Prob999_clock_ref.sv").write_text("module RefModule(input clk);\nendmodule\n")
    bench = BenchmarkSet(file=folder, format="verilogeval", name="ve")
    config = DecontamConfig(benchmarks=[bench])
    index = Index(load_items([bench], config.min_chars), config)
    design = "module TopModule(input clk);\nendmodule\n"
    rows = [
        _row("a", design, prompt=PARAPHRASE, domain="verilog", level="simulation"),
        _row("b", design, prompt="Build a 4-bit shift register with enable.", domain="verilog"),
    ]
    out = _decide(rows, CurateConfig(exact=False, near={"enabled": False}), index)
    assert out["s-a"].decision == Decision.CONTAMINATED and "rouge_l" in out["s-a"].reason
    assert out["s-a"].similarity > 0.5
    assert out["s-b"].decision == Decision.KEEP


@pytest.mark.skipif(not (SHARED / "humaneval").is_dir(), reason="../shared/benchmarks is absent")
def test_real_humaneval_solutions_are_caught_and_clean_code_is_not() -> None:
    bench = BenchmarkSet(file=SHARED / "humaneval" / "HumanEval.jsonl.gz", format="humaneval")
    config = DecontamConfig(benchmarks=[bench])
    items = load_items([bench], config.min_chars)
    index = Index(items, config)
    assert len(items) == 164
    solution = items[7].strings[-1]  # a flattened reference; paste it back in one line
    assert index.match("code", "Solve this.", "x = 1\n" + solution) is not None
    assert index.match("code", PROMPT, MEDIAN) is None and index.match("code", "Hi", OTHER) is None


@pytest.mark.parametrize(
    ("passes", "attempts", "label"),
    [(2, 3, "easy"), (3, 3, "easy"), (3, 5, "medium"), (1, 3, "medium"), (1, 4, "hard"),
     (0, 6, "unsolved")],
)  # fmt: skip
def test_difficulty_at_its_boundaries(passes: int, attempts: int, label: str) -> None:
    assert DifficultyConfig().label(passes, attempts) == label
    row = _row("a", MEDIAN, passes=passes, attempts=attempts)
    decided = _decide([row])["s-a"]
    assert decided.difficulty == label and decided.attempts == attempts


def _commit_samples(dataset: Path, responses: dict[str, str]) -> None:
    store = Store(dataset)
    samples = [
        Sample(f"task-{k}", f"cand-{k}", "code", PROMPT, text, ("assert True",), "codet", 1.0,
               (), "run-1", "trusted_tests")
        for k, text in responses.items()
    ]  # fmt: skip
    store.write(store.prepare("select/run-1", {"samples": samples}, run_id="run-1"))


def test_a_pass_over_a_dataset_commits_once_and_feeds_the_views(tmp_path: Path) -> None:
    dataset = tmp_path / "ds"
    _commit_samples(dataset, {"a": MEDIAN, "b": REFORMATTED, "c": RENAMED, "d": OTHER})
    first = curate_dataset(dataset, CurateConfig())
    assert first["committed"] and first["samples"] == 4
    assert first["decisions"]["keep"] == 2
    again = curate_dataset(dataset, CurateConfig())
    assert not again["committed"] and again["pass_id"] == first["pass_id"]
    kept = query(dataset, "SELECT candidate_id, difficulty FROM curated_samples ORDER BY 1")
    assert kept.num_rows == 2 and set(kept.column("difficulty").to_pylist()) == {"unsolved"}
    rows = query(dataset, "SELECT decision, reason FROM curation ORDER BY sample_id").to_pylist()
    assert sorted(r["decision"] for r in rows) == ["exact_duplicate", "keep", "keep",
                                                   "near_duplicate"]  # fmt: skip
    # Another config is another pass, and the newest pass is the one the views show.
    loose = CurateConfig(exact=False, near={"enabled": False})
    assert curate_dataset(dataset, loose)["decisions"]["keep"] == 4
    assert query(dataset, "SELECT count(*) AS n FROM curated_samples").to_pylist()[0]["n"] == 4
    back = curate_dataset(dataset, CurateConfig())
    assert back["committed"] and back["decisions"]["keep"] == 2


def test_assay_curate_reports_and_bad_config_fails_naming_the_field(tmp_path: Path) -> None:
    dataset = tmp_path / "ds"
    _commit_samples(dataset, {"a": MEDIAN, "b": REFORMATTED})
    cli = [sys.executable, "-m", "assay.flows", "curate", "--dataset", str(dataset)]
    done = subprocess.run(cli, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "keep 1" in done.stdout and "exact_duplicate 1" in done.stdout
    bad = [*cli, "--set", f"curate.decontaminate.benchmarks=[{{file: {tmp_path}/no.jsonl, "
           "format: humaneval}]"]  # fmt: skip
    failed = subprocess.run(bad, capture_output=True, text=True, timeout=120)
    assert failed.returncode == 2
    assert (
        "curate.decontaminate.benchmarks.0" in failed.stderr and "does not exist" in failed.stderr
    )
