"""Client of a Kimina Lean Server (project-numina/kimina-lean-server): `POST /api/check`.

Request: `{"snippets": [{"id", "code"}], "timeout", "debug", "reuse"}`, optional
`Authorization: Bearer KEY`. Answer: `{"results": [{"id", "time", "error"?, "response"?}]}`
where `response` is the REPL's own command answer (or its `{"message"}` error). The server
runs its own REPL pool; assay judges the answers with the same rules as its local pool.
"""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass
from typing import Any

from assay.schemas.records import Status
from assay.verifiers.lean.judge import judge
from assay.verifiers.lean.protocol import ProtocolError, parse


@dataclass(frozen=True)
class KiminaClient:
    base_url: str  # e.g. http://127.0.0.1:8000
    api_key: str | None = None
    timeout_s: float = 60.0

    def check(self, snippets: dict[str, str], timeout_s: float) -> dict[str, dict[str, Any]]:
        """Raw results by snippet id; network and HTTP failures raise (infrastructure)."""
        body = {
            "snippets": [{"id": k, "code": v} for k, v in snippets.items()],
            "timeout": int(timeout_s),
            "debug": False,
            "reuse": True,
        }
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(
            self.base_url.rstrip("/") + "/api/check", json.dumps(body).encode(), headers
        )
        with urllib.request.urlopen(request, timeout=self.timeout_s + timeout_s) as reply:
            results = json.loads(reply.read())["results"]
        return {str(r["id"]): r for r in results}


def judge_result(
    result: dict[str, Any], name: str, allowed: frozenset[str]
) -> tuple[Status, dict[str, Any]]:
    """Status of one Kimina result for a snippet that ends in `#print axioms NAME`."""
    if result.get("error"):
        error = str(result["error"])
        status = Status.TIMEOUT if "timed out" in error else Status.ERROR
        return status, {"reason": error[:500], "backend": "kimina"}
    try:
        answer = parse(result.get("response"))
    except ProtocolError as exc:
        return Status.ERROR, {"reason": str(exc), "backend": "kimina"}
    status, evidence = judge(answer, answer, name, allowed)
    return status, {**evidence, "backend": "kimina"}
