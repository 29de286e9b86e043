"""Find the configured Lean toolchain, or say exactly what is missing (never guess a pass)."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from assay.verifiers.lean.config import DEFAULT_SEARCH_PATH, LeanConfig


@dataclass(frozen=True)
class Toolchain:
    argv: tuple[str, ...]  # command with its program resolved to an absolute path
    cwd: Path
    env: dict[str, str]


def resolve(config: LeanConfig) -> Toolchain | str:
    """The runnable REPL command for `config`, or a sentence naming what is missing."""
    if config.project is None:
        return (
            "no Lean project configured: pass `assay verify lean --project PATH` (or "
            "LeanConfig(project=...)) with a Lake project whose dependencies and the REPL are "
            "built (needs lake/lean on PATH)"
        )
    if not config.project.is_dir():
        return f"the Lean project {config.project} does not exist"
    program = shutil.which(config.command[0], path=config.search_path)
    if program is None:
        where = config.search_path or "PATH"
        return f"needs a Lean 4 toolchain: {config.command[0]!r} not found on {where}"
    home = str(Path.home())
    env = {
        "PATH": os.pathsep.join([str(Path(program).parent), DEFAULT_SEARCH_PATH]),
        "HOME": home,  # elan and lake find toolchains through it
        "LANG": "C.UTF-8",
        **dict(config.env),
    }
    return Toolchain((program, *config.command[1:]), config.project, env)
