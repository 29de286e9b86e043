"""What a release reads: the samples the newest curation pass kept (`curated_samples`), curating
first when that pass does not cover every sample, or plain `samples` where no pass can run."""

from __future__ import annotations

import importlib
import json
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assay.flows.dataset import reading

if TYPE_CHECKING:
    import duckdb


class ReleaseError(Exception):
    """The input cannot be released as asked (no dataset, nothing in it): a message to print."""


@dataclass
class Source:
    """A snapshot of the dataset and the relation a release reads from it."""

    dataset: Path
    con: duckdb.DuckDBPyConnection
    table: str  # curated_samples, or samples where no curation pass covers the samples
    notes: list[str] = field(default_factory=list)  # what the user should know
    held: ExitStack = field(default_factory=ExitStack)  # the reader `con` belongs to

    @property
    def curated(self) -> bool:
        return self.table == "curated_samples"

    def scalar(self, sql: str) -> Any:
        rows = self.con.execute(sql).fetchall()
        return rows[0][0] if rows else None

    def rows(self, sql: str) -> list[dict[str, Any]]:
        return self.con.sql(sql).to_arrow_table().to_pylist()

    def close(self) -> None:
        self.con.close()
        self.held.close()  # lets the snapshot's files go, once nothing can read them


def _check(dataset: Path) -> None:
    if not dataset.exists():
        raise ReleaseError(f"{dataset}: no such folder; give --dataset the folder a run wrote")
    if not (dataset / "commits").is_dir():
        raise ReleaseError(
            f"{dataset} is not a dataset (no commits/ folder in it); give --dataset the folder "
            "a run wrote (the run config's `dataset`)"
        )


def _uncovered(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute(
        "SELECT count(*) FROM samples s ANTI JOIN curation c ON c.sample_id = s.id"
    ).fetchall()
    return int(row[0][0]) if row else 0


def _curate(dataset: Path, con: duckdb.DuckDBPyConnection) -> bool:
    """Run a curation pass with the newest run's `curate:` section; False where this install
    has no curate stage."""
    module = importlib.import_module("assay.flows.curate")
    curate_dataset = getattr(module, "curate_dataset", None)
    if curate_dataset is None:
        return False
    from assay.flows.curate.config import CurateConfig

    row = con.execute(
        "SELECT config->'curate' FROM runs WHERE config IS NOT NULL "
        "ORDER BY started_at DESC NULLS LAST, id LIMIT 1"
    ).fetchall()
    section = json.loads(row[0][0]) if row and row[0][0] else {}
    curate_dataset(dataset, CurateConfig.model_validate(section or {}))
    return True


def open_source(dataset: Path | str, *, curate: bool = False) -> Source:
    """Open `dataset` for a release. With `curate`, samples no curation pass has seen are
    curated first (a pass is idempotent); without, they are reported in `notes`."""
    root = Path(dataset)
    _check(root)
    held = ExitStack()  # a reader held to the end of the release: compaction cannot fail it
    con = held.enter_context(reading(root))
    missing = _uncovered(con)
    if missing and curate and _curate(root, con):
        held.close()
        held = ExitStack()
        con = held.enter_context(reading(root))
        missing = _uncovered(con)
    source = Source(root, con, "curated_samples", held=held)
    if missing:
        passes = con.execute("SELECT count(*) FROM curation").fetchall()
        if passes and passes[0][0]:
            source.notes.append(
                f"{missing} samples are newer than the newest curation pass and are left out "
                "until `assay curate` runs"
            )
        else:
            source.table = "samples"
            source.notes.append(
                "no curation pass has run on this dataset: every committed sample is released "
                "as it is (no dedup, no decontamination); run `assay curate` first to curate"
            )
    return source
