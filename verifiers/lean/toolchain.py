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
    readable: tuple[str, ...] = ()  # what the isolated REPL must see besides `cwd`


def _toolchain_folders(
    program: str, env: dict[str, str], extra: tuple[str, ...]
) -> tuple[str, ...]:
    """Folders the REPL reads besides its project: the program's install (`X/bin/lake` -> `X`,
    e.g. `~/.elan`), elan's home with its toolchains, and the configured `read_paths`."""
    found = []
    for path in (program, os.path.realpath(program)):
        folder = Path(path).parent
        found.append(str(folder.parent if folder.name == "bin" else folder))
    elan = env.get("ELAN_HOME") or os.path.join(env.get("HOME", ""), ".elan")
    found += [elan, *extra]
    return tuple(dict.fromkeys(p for p in found if os.path.isdir(p)))


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
    readable = _toolchain_folders(program, env, config.read_paths)
    return Toolchain((program, *config.command[1:]), config.project, env, readable)
