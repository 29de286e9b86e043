"""Statement reinsertion: the checked file is always built from the trusted header and the
canonical statement, with the model's proof body placed where a proof goes.

The model never supplies the theorem it proves, so it cannot weaken it, rename it or prove a
neighbour instead: anything it writes lands inside a proof, after the statement has been
elaborated. The line map lets a prover error be blamed on the trusted part (the benchmark does
not compile: `unsupported`) or on the proof (`fail`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


class StatementError(ValueError):
    """The canonical statement is not a single named theorem declaration."""


@dataclass(frozen=True)
class Assembled:
    """A checked file and where its parts are: lines 1..trusted_lines are assay's."""

    text: str
    name: str  # the theorem's name, as the statement declares it
    trusted_lines: int  # header + statement + proof opening
    body_lines: int  # the model's lines that follow

    def blame(self, line: int) -> str:
        """Which part a 1-based line belongs to: "trusted", "proof" or "closing"."""
        if line <= self.trusted_lines:
            return "trusted"
        return "proof" if line <= self.trusted_lines + self.body_lines else "closing"


def normalize(text: str) -> str:
    """Whitespace-insensitive form, for comparing a restated statement with the canonical one."""
    return " ".join(text.split())


def theorem_name(statement: str, keywords: Iterable[str]) -> str:
    """The declared name in `Keyword name ...` (comment-free text); raises StatementError."""
    alternatives = "|".join(re.escape(k) for k in keywords)
    match = re.match(rf"\s*(?:{alternatives})\s+([^\W\d][\w']*)", statement)
    if match is None:
        raise StatementError(
            f"statement must start with one of {', '.join(keywords)} and a name: "
            f"{statement.strip()[:80]!r}"
        )
    return match.group(1)


def _lines(text: str) -> int:
    return text.count("\n")


def assemble(
    header: str, statement: str, body: str, opening: str, closing: str, name: str
) -> Assembled:
    """header, statement, `opening`, body, `closing`, each starting on its own line."""
    trusted = "".join(part.rstrip("\n") + "\n" for part in (header, statement, opening) if part)
    body_part = body.strip("\n") + "\n"
    text = trusted + body_part + closing.rstrip("\n") + "\n"
    return Assembled(text, name, _lines(trusted), _lines(body_part))
