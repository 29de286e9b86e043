"""Reading JSONL inputs (tasks, candidates, benchmarks); errors name the file, line and field."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


def read_jsonl(
    path: Path, error: type[Exception] = ValueError
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line, gzip by suffix; problems raise `error`."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise error(f"{path}:{number}: not valid JSON ({exc.msg})") from None
                if not isinstance(obj, dict):
                    raise error(f"{path}:{number}: each line must be a JSON object")
                yield number, obj
    except (FileNotFoundError, IsADirectoryError):
        raise error(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        raise error(f"{path}: cannot read it ({exc})") from None


def validate_line(
    model: type[M], obj: dict[str, Any], where: str, error: type[Exception] = ValueError
) -> M:
    """`obj` as `model`; the first problem raises `error` naming `where` and the dotted field."""
    try:
        return model.model_validate(obj)
    except ValidationError as err:
        first = err.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "(line)"
        raise error(f"{where}: field {field}: {first['msg']}") from None
