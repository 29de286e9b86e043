"""Printing query results for people (a table) and for programs (CSV, JSON lines)."""

from __future__ import annotations

import csv
import json
import sys
from typing import Any

import pyarrow as pa


def _cell(value: Any, width: int = 60) -> str:
    text = "" if value is None else str(value)
    text = text.replace("\n", "⏎")
    return text if len(text) <= width else text[: width - 1] + "…"


def samples_line(counts: dict[str, Any]) -> str:
    """The run summary's samples line: how many, and how each was verified."""
    levels = ", ".join(f"{n} {level}" for level, n in (counts.get("levels") or {}).items())
    return f"  samples     {counts['samples']} committed" + (f": {levels}" if levels else "") + "\n"


def print_table(table: pa.Table, fmt: str = "table") -> None:
    """Write `table` to stdout as a rich table, CSV, or one JSON object per line."""
    rows = table.to_pylist()
    if fmt == "json":
        for row in rows:
            sys.stdout.write(json.dumps(row, default=str) + "\n")
        return
    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")  # as DuckDB's CLI: no \r
        writer.writerow(table.column_names)
        for row in rows:
            writer.writerow([row[name] for name in table.column_names])
        return
    from rich.console import Console
    from rich.table import Table

    out = Table(show_lines=False)
    for name in table.column_names:
        out.add_column(name, overflow="fold")
    for row in rows:
        out.add_row(*(_cell(row[name]) for name in table.column_names))
    console = Console()
    console.print(out)
    console.print(f"({len(rows)} row{'s' if len(rows) != 1 else ''})", style="dim")
