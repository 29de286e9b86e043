"""Host tools are found by absolute path once per process, but a miss is not kept: a tool that
was missing (a PATH without it) is found once it is there."""

from __future__ import annotations

from pathlib import Path

import pytest

from assay.verifiers.tools import ToolMissing, find, forget, tool


def test_a_missing_tool_is_found_once_it_is_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = "assay-test-tool"
    monkeypatch.setenv("PATH", str(tmp_path))
    forget()
    assert find(name) is None
    with pytest.raises(ToolMissing, match=f"{name} not found; install it"):
        tool(name, "install it")
    made = tmp_path / name
    made.write_text("#!/bin/sh\n")
    made.chmod(0o755)
    assert find(name) == tool(name, "install it") == str(made)
    made.unlink()
    assert find(name) == str(made)  # a hit is kept for the process
    forget()
    assert find(name) is None
