"""`assay export`: Hub-layout shards that `datasets` loads with DuckDB's row counts, the same
bytes on every re-export, shards and row groups cut as planned, a card that says what the rows
are, and clear errors for input that cannot be exported."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml
from release_dataset import build
from typer.testing import CliRunner

from assay.flows.cli import app
from assay.flows.release import export_dataset
from assay.flows.release.card import size_category
from assay.flows.release.lineage import _own_benchmarks, benchmark_formats
from assay.flows.release.shards import plan
from assay.flows.release.source import open_source
from assay.schemas.query import query


def _front(card: Path) -> dict:
    text = card.read_text()
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n")[1])


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_the_export_loads_with_datasets_and_counts_match_duckdb(
    dataset: Path, tmp_path: Path
) -> None:
    datasets = pytest.importorskip("datasets", reason="datasets (a dev dependency) is missing")
    out = tmp_path / "release"
    result = export_dataset(dataset, out)
    curated = query(dataset, "SELECT domain, count(*) AS n FROM curated_samples GROUP BY ALL")
    expected = {r["domain"]: r["n"] for r in curated.to_pylist()}
    assert expected == result.rows == {"code": 6}
    assert [str(p) for p in result.files["code"]] == ["data/code/train-00000-of-00001.parquet"]
    for config, rows in expected.items():
        loaded = datasets.load_dataset(
            str(out), config, split="train", cache_dir=str(tmp_path / "hf-cache")
        )
        assert loaded.num_rows == rows
        assert set(loaded.column_names) >= {"prompt", "response", "level", "difficulty"}
        assert sorted(loaded["id"]) == loaded["id"]  # a fixed order: by id
    front = _front(out / "README.md")
    assert front["license"] == "other"
    assert front["size_categories"] == ["n<1K"]
    assert front["task_categories"] == ["text-generation"]
    assert front["pretty_name"] == "release-test"
    assert front["configs"] == [{"config_name": "code", "default": True, "data_files": [
        {"split": "train", "path": "data/code/train-*"}]}]  # fmt: skip
    body = (out / "README.md").read_text()
    for heading in (
        "## Funnel",
        "## Verification levels",
        "## Decontamination",
        "## Producing runs",
    ):
        assert heading in body
    assert "| 6 | 20 | 6 | 6 | 6 |" in body  # tasks, solutions, verified, curated, exported
    assert "| medium | 4 |" in body and "| hard | 2 |" in body
    assert "none was removed" in body and "trusted_tests" in body


def test_a_reexport_writes_the_same_bytes(dataset: Path, tmp_path: Path) -> None:
    first = export_dataset(dataset, tmp_path / "a", max_shard_mb=0.002)
    export_dataset(dataset, tmp_path / "b", max_shard_mb=0.002)
    assert len(first.files["code"]) > 1
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b")
    again = export_dataset(dataset, tmp_path / "a")  # into the same folder, other shards
    assert len(again.files["code"]) == 1
    assert sorted(p.name for p in (tmp_path / "a" / "data" / "code").iterdir()) == [
        "train-00000-of-00001.parquet"
    ]  # the old shards are gone, so a loader cannot read both


def test_shards_and_row_groups_follow_the_plan(dataset: Path, tmp_path: Path) -> None:
    result = export_dataset(dataset, tmp_path / "out", split="validation", max_shard_mb=0.002)
    files = result.files["code"]
    n = len(files)
    assert [p.name for p in files] == [f"validation-{i:05d}-of-{n:05d}.parquet" for i in range(n)]
    ids = []
    for p in files:
        meta = pq.read_metadata(tmp_path / "out" / p)
        assert meta.row_group(0).column(0).compression == "ZSTD"
        assert meta.num_rows >= 1
        ids += pq.read_table(tmp_path / "out" / p, columns=["id"])["id"].to_pylist()
    assert ids == sorted(ids) and len(ids) == 6
    assert plan(10, 10_000, 4_000, 1_000) == plan(10, 10_000, 4_000, 1_000)
    layout = plan(10, 10_000, 4_000, 1_000)
    assert layout.shards * layout.shard_rows >= 10 > (layout.shards - 1) * layout.shard_rows
    assert layout.group_rows == 1  # 1,000 bytes a row, 1,000 bytes a group
    assert plan(10, 60, 6, 100).shards == 10  # never an empty shard
    assert [size_category(n) for n in (0, 999, 1_000, 250_000)] == [
        "n<1K", "n<1K", "1K<n<10K", "100K<n<1M"]  # fmt: skip


def test_bad_input_fails_with_a_clear_message(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(app, ["export", "-d", str(tmp_path / "nope"), "-o", str(tmp_path)])
    assert missing.exit_code == 1 and "no such folder" in missing.output
    (tmp_path / "empty" / "commits").mkdir(parents=True)
    empty = runner.invoke(app, ["export", "-d", str(tmp_path / "empty"), "-o", str(tmp_path / "o")])
    assert empty.exit_code == 1 and "no samples" in empty.output
    plain = tmp_path / "plain"
    plain.mkdir()
    result = runner.invoke(app, ["export", "-d", str(plain), "-o", str(tmp_path / "o")])
    assert result.exit_code == 1 and "not a dataset" in result.output
    bad = runner.invoke(app, ["export", "-d", str(plain), "-o", str(tmp_path), "--split", "a/b"])
    assert bad.exit_code == 1 and "--split" in bad.output
    assert not (tmp_path / "o" / "data").exists()


def test_an_uncurated_dataset_is_curated_before_export(tmp_path: Path) -> None:
    root = tmp_path / "ds"
    build(root, curate=False)
    source = open_source(root)
    assert source.table == "samples" and "no curation pass" in source.notes[0]
    source.close()
    result = export_dataset(root, tmp_path / "out")
    kept = query(root, "SELECT count(*) AS n FROM curation WHERE decision = 'keep'")
    assert result.rows["code"] == kept.to_pylist()[0]["n"] == 6
    assert result.facts.table == "curated_samples"


def test_a_run_on_a_benchmark_is_named_loudly(dataset: Path) -> None:
    source = open_source(dataset)
    try:
        configs = [{"tasks": [{"file": "/b/HumanEval.jsonl", "format": "humaneval"}]},
                   {"tasks": [{"file": "/b/apps/test.jsonl", "format": "apps"}]},
                   {"tasks": [{"seed": "code", "format": "assay"}]},
                   {"tasks": [{"file": "/x/mine.jsonl", "format": "assay"}]}]  # fmt: skip
        sets = [{"file": "/elsewhere/mine.jsonl", "format": "assay", "name": ""}]
        found = _own_benchmarks(source, configs, sets)
    finally:
        source.close()
    assert found == ["HumanEval.jsonl (humaneval)", "mine.jsonl (assay)", "test.jsonl (apps)"]
    assert "apps" in benchmark_formats() and "assay" not in benchmark_formats()


def test_rows_are_cut_the_same_whatever_batches_duckdb_hands_over() -> None:
    import pyarrow as pa

    from assay.flows.release.shards import _groups

    table = pa.table({"id": [f"{i:03d}" for i in range(23)]})
    layout = plan(23, 23 * 100, 800, 300)  # 3 shards of 8 rows, groups of 3 rows
    cuts = []
    for size in (1, 4, 7, 23):
        reader = pa.RecordBatchReader.from_batches(table.schema, table.to_batches(size))
        cuts.append([(shard, g["id"].to_pylist()) for shard, g in _groups(reader, layout)])
    assert cuts[0] == cuts[1] == cuts[2] == cuts[3]
    assert [len(ids) for _, ids in cuts[0]] == [3, 3, 2, 3, 3, 2, 3, 3, 1]
    assert [shard for shard, _ in cuts[0]] == [0, 0, 0, 1, 1, 1, 2, 2, 2]
