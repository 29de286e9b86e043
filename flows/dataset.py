"""The dataset as flows read it: `schemas.query`'s views plus those every registered domain adds
(its `views` SQL file), so `assay sql`, curation, export and tests see the same views. Only the
registry is imported (no domain's flow parts), so `assay sql` stays quick."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from assay.flows import domains
from assay.schemas import query as q

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa


def views() -> tuple[str, ...]:
    """Every view a reader has: the shared ones, then each registered domain's."""
    return (*q.VIEWS, *(name for sql in domains.views() for name in q.view_names(sql)))


@contextmanager
def reading(root: Path | str) -> Iterator[duckdb.DuckDBPyConnection]:
    """`schemas.query.reading` with the registered domains' views."""
    with q.reading(root, domains.views()) as con:
        yield con


def query(root: Path | str, sql: str) -> pa.Table:
    """Run `sql` over the dataset's views, the domains' included, as an Arrow table."""
    return q.query(root, sql, domains.views())
