"""Length-prefixed pickles between a sandbox client and its zygote (both trusted code).

Raw file descriptors, read exactly: no buffered reader that could hold a reply the caller's
`select` cannot see.
"""

from __future__ import annotations

import os
import pickle
import struct
from typing import Any

HEADER = struct.Struct("!Q")


def _read_exactly(fd: int, size: int) -> bytes | None:
    parts, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


def read_message(fd: int) -> Any:
    """The next message, or None at end of stream."""
    head = _read_exactly(fd, HEADER.size)
    if head is None:
        return None
    (size,) = HEADER.unpack(head)
    blob = _read_exactly(fd, size)
    return None if blob is None else pickle.loads(blob)


def write_message(fd: int, obj: Any) -> None:
    blob = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(HEADER.pack(len(blob)) + blob)
    while view:
        view = view[os.write(fd, view) :]
