"""miniF2F statements → proof Tasks: the Coq port (`minif2f-coq`, via the Coq verifier's own
`minif2f.load`) and the Lean 4 one (`minif2f-lean`, `MiniF2F/{Test,Valid}/<name>.lean`).

A task's `prompt` is the canonical statement, `setup` the trusted header, `entry_point` the
theorem name and `meta["language"]` the prover. Point `file:` at one split's folder
(`minif2f-rocq/test`, `minif2f-lean4/MiniF2F/Valid`): mixing splits would leak one into the other.
"""

from __future__ import annotations

import re
from pathlib import Path

from assay.schemas.records import Task
from assay.verifiers.lean.source import SourceError, blank, statement_head

FORMATS = frozenset({"minif2f-coq", "minif2f-lean"})
_DECL = re.compile(r"^(?:theorem|lemma)\b", re.M)


class ProofImportError(ValueError):
    """A folder or file that is not a miniF2F split; the message names it."""


def _split_folder(folder: Path, suffix: str) -> list[Path]:
    if not folder.is_dir():
        raise ProofImportError(f"{folder}: not a folder (point `file:` at one miniF2F split)")
    files = sorted(folder.glob(f"*{suffix}"))
    if not files:
        splits = sorted(
            p.name
            for p in folder.iterdir()
            if p.is_dir() and p.name.lower() in ("test", "valid", "minif2f")
        )
        hint = f"; use one split: {', '.join(str(folder / s) for s in splits)}" if splits else ""
        raise ProofImportError(f"{folder}: no *{suffix} files{hint}")
    return files


def load_coq(folder: Path) -> list[Task]:
    """Every statement of one miniF2F-rocq split (the `.vo`/`.glob` files are ignored)."""
    from assay.verifiers.coq.minif2f import MiniF2FError, load

    _split_folder(folder, ".v")
    try:
        problems = load(folder.parent, folder.name)
    except MiniF2FError as exc:
        raise ProofImportError(str(exc)) from None
    return [
        Task(
            "proofs",
            f"minif2f-coq/{folder.name}",
            p.id,
            p.statement,
            p.id,
            setup=p.header,
            meta={"language": "coq", "path": Path(p.path).name},
        )
        for p in problems
    ]


def parse_lean(text: str, path: str) -> Task:
    """One miniF2F Lean 4 file: the header is what precedes the theorem, the statement the rest
    (`:= by sorry` kept; the verifier drops it)."""
    match = _DECL.search(blank(text))
    if match is None:
        raise ProofImportError(f"{path}: no `theorem` declaration")
    header, statement = text[: match.start()].strip(), text[match.start() :].strip()
    try:
        _, name = statement_head(statement)
    except SourceError as exc:
        raise ProofImportError(f"{path}: {exc}") from None
    if _DECL.search(blank(statement), 1):
        raise ProofImportError(f"{path}: more than one declaration")
    source = f"minif2f-lean/{Path(path).parent.name.lower()}"
    return Task(
        "proofs",
        source,
        name,
        statement,
        name,
        setup=header,
        meta={"language": "lean", "path": Path(path).name},
    )


def load_lean(folder: Path) -> list[Task]:
    """Every statement of one miniF2F Lean 4 split, sorted by file name."""
    return [
        parse_lean(p.read_text(encoding="utf-8"), str(p)) for p in _split_folder(folder, ".lean")
    ]


def load(folder: Path, format: str) -> list[Task]:
    if format == "minif2f-coq":
        return load_coq(Path(folder))
    if format == "minif2f-lean":
        return load_lean(Path(folder))
    raise ProofImportError(
        f"{folder}: unknown proof format {format!r}; use one of {sorted(FORMATS)}"
    )
