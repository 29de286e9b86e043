"""`assay --help` (and its groups' help) gives each command a one-line summary: a whole
sentence, on one line, at 80 and at 120 columns, never cut or wrapped mid-sentence."""

from __future__ import annotations

from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from assay.flows.cli import app

GROUPS = ([], ["verify"], ["server"])


def _rows(text: str) -> list[str]:
    """The lines of the help's Commands panel, between its borders."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("╭─ Commands"))
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("╰"))
    return [line[1:-1] for line in lines[start + 1 : end]]


def _summary(group: list[str], name: str) -> str:
    """The first paragraph of the command's help, on one line."""
    command: Any = typer.main.get_command(app)
    for part in [*group, name]:
        command = command.commands[part]
    text = command.short_help or command.help or ""
    return " ".join(text.split("\n\n")[0].split())


@pytest.mark.parametrize("columns", [80, 120])
@pytest.mark.parametrize("group", GROUPS, ids=["assay", "verify", "server"])
def test_every_command_has_a_one_line_summary(group: list[str], columns: int) -> None:
    got = CliRunner().invoke(app, [*group, "--help"], env={"COLUMNS": str(columns)})
    assert got.exit_code == 0, got.output
    rows = _rows(got.output)
    assert rows
    for row in rows:
        assert not row.startswith("  "), f"a summary wrapped onto a second line: {row.strip()!r}"
        name, summary = row.split(None, 1)
        summary = summary.strip()
        assert summary == _summary(group, name), f"{name}: {summary!r} is not its whole summary"
        assert summary[0].isupper() and summary.endswith("."), f"{name}: {summary!r}"
