"""The Lean REPL's JSON protocol (leanprover-community/repl), as typed values.

Requests are JSON objects separated by blank lines; the REPL answers each with one JSON object
followed by a blank line. Answers are a command response (`env`, `messages`, `sorries`,
`tactics`, `infotree`), a tactic response (`proofState`, `goals`, `proofStatus`, ...) or an
error (`message`). Fields the REPL leaves out when empty default to empty here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["trace", "info", "warning", "error"]
SEVERITIES = ("trace", "info", "warning", "error")


class ProtocolError(ValueError):
    """An answer that is not what the REPL protocol allows (a broken or foreign process)."""


@dataclass(frozen=True)
class Pos:
    line: int
    column: int


@dataclass(frozen=True)
class Message:
    severity: Severity
    pos: Pos
    end_pos: Pos | None
    data: str


@dataclass(frozen=True)
class Sorry:
    goal: str
    proof_state: int | None
    pos: Pos | None  # the REPL omits positions at line 0 (sorries inside tactic mode)
    end_pos: Pos | None


@dataclass(frozen=True)
class Tactic:
    tactic: str
    goals: str
    pos: Pos
    end_pos: Pos
    proof_state: int | None
    used_constants: tuple[str, ...] = ()


@dataclass(frozen=True)
class CommandResponse:
    env: int
    messages: tuple[Message, ...] = ()
    sorries: tuple[Sorry, ...] = ()
    tactics: tuple[Tactic, ...] = ()
    infotree: Any = None

    def errors(self) -> list[Message]:
        return [m for m in self.messages if m.severity == "error"]


@dataclass(frozen=True)
class ProofStepResponse:
    proof_state: int
    goals: tuple[str, ...]
    proof_status: str = ""
    messages: tuple[Message, ...] = ()
    sorries: tuple[Sorry, ...] = ()
    traces: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReplError:
    """The REPL refused the request (unknown env, unknown proof state, bad JSON, ...)."""

    message: str


Response = CommandResponse | ProofStepResponse | ReplError


@dataclass(frozen=True)
class Command:
    """A command-mode request; `env=None` starts a fresh environment (imports allowed)."""

    cmd: str
    env: int | None = None
    options: dict[str, Any] = field(default_factory=dict)  # allTactics, rootGoals, infotree

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"cmd": self.cmd, **self.options}
        if self.env is not None:
            out["env"] = self.env
        return out


def encode(request: dict[str, Any]) -> bytes:
    """One request on the wire: compact JSON (newlines escaped) and the blank line that ends it."""
    return (json.dumps(request, ensure_ascii=False) + "\n\n").encode()


def _pos(raw: Any, where: str) -> Pos:
    if not isinstance(raw, dict) or not all(
        isinstance(raw.get(k), int) for k in ("line", "column")
    ):
        raise ProtocolError(f"{where}: expected {{line, column}}, got {raw!r}")
    return Pos(raw["line"], raw["column"])


def _opt_pos(raw: Any, where: str) -> Pos | None:
    return None if raw is None else _pos(raw, where)


def _message(raw: dict[str, Any]) -> Message:
    severity = raw.get("severity")
    if severity not in SEVERITIES or not isinstance(raw.get("data"), str):
        raise ProtocolError(f"message: bad severity or data in {raw!r}")
    return Message(
        severity,
        _pos(raw.get("pos"), "message.pos"),
        _opt_pos(raw.get("endPos"), "message.endPos"),
        raw["data"],
    )


def _sorry(raw: dict[str, Any]) -> Sorry:
    if not isinstance(raw.get("goal"), str):
        raise ProtocolError(f"sorry: no goal in {raw!r}")
    return Sorry(
        raw["goal"],
        raw.get("proofState"),
        _opt_pos(raw.get("pos"), "sorry.pos"),
        _opt_pos(raw.get("endPos"), "sorry.endPos"),
    )


def _tactic(raw: dict[str, Any]) -> Tactic:
    used = tuple(raw.get("usedConstants") or ())
    return Tactic(
        raw["tactic"],
        raw["goals"],
        _pos(raw.get("pos"), "tactic.pos"),
        _pos(raw.get("endPos"), "tactic.endPos"),
        raw.get("proofState"),
        used,
    )


def parse(raw: Any) -> Response:
    """Type one decoded answer; anything the protocol does not allow raises ProtocolError."""
    if not isinstance(raw, dict):
        raise ProtocolError(f"expected a JSON object, got {type(raw).__name__}")
    try:
        if "proofState" in raw and "goals" in raw:
            return ProofStepResponse(
                raw["proofState"],
                tuple(raw["goals"]),
                raw.get("proofStatus", ""),
                tuple(_message(m) for m in raw.get("messages", ())),
                tuple(_sorry(s) for s in raw.get("sorries", ())),
                tuple(raw.get("traces", ())),
            )
        if isinstance(raw.get("env"), int):
            return CommandResponse(
                raw["env"],
                tuple(_message(m) for m in raw.get("messages", ())),
                tuple(_sorry(s) for s in raw.get("sorries", ())),
                tuple(_tactic(t) for t in raw.get("tactics", ())),
                raw.get("infotree"),
            )
        if isinstance(raw.get("message"), str):
            return ReplError(raw["message"])
    except (KeyError, TypeError) as exc:
        raise ProtocolError(f"malformed answer {str(raw)[:200]!r}: {exc}") from exc
    raise ProtocolError(f"not a REPL answer: {str(raw)[:200]!r}")


def parse_text(text: str) -> Response:
    try:
        return parse(json.loads(text))
    except json.JSONDecodeError as exc:
        raise ProtocolError(f"not JSON: {text[:200]!r}") from exc
