"""The HTTP API as one function of a request, so the routes are tested without a server:

- GET /healthz: 200 once a verifier worker answers (503 before, and while stopping), with
  the queue's fill;
- GET /verifiers: the verifiers served and their item fields;
- POST /verify/{verifier} {"items": [...]}: {"verdicts": [...]} in item order.

Errors are JSON `{"error": "..."}`: 400 names the item and field, 429 and 503 carry
Retry-After. With a token, every request must carry `Authorization: Bearer <token>`.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass, field
from typing import Any

from assay.flows.service.core import Core, Refused


@dataclass
class Reply:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)

    def payload(self) -> bytes:
        return json.dumps(self.body).encode()


def _error(exc: Refused) -> Reply:
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else {}
    return Reply(exc.status, {"error": str(exc)}, headers)


def authorized(token: str | None, headers: dict[str, str]) -> bool:
    """Whether the request carries the token (always, when the server asks for none)."""
    if token is None:
        return True
    given = headers.get("authorization", "")
    return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


async def route(core: Core, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
    """The reply to one request (`headers` with lower-case names)."""
    if not authorized(core.config.token, headers):
        return Reply(401, {"error": "missing or wrong bearer token"},
                     {"WWW-Authenticate": "Bearer"})  # fmt: skip
    path = path.rstrip("/") or "/"
    if method == "GET" and path == "/healthz":
        up = await core.up()
        return Reply(200 if up else 503, core.health(), {} if up else {"Retry-After": "5"})
    if method == "GET" and path == "/verifiers":
        return Reply(200, {"verifiers": core.describe()})
    if path.startswith("/verify/"):
        if method != "POST":
            return Reply(405, {"error": "POST items to /verify/{verifier}"}, {"Allow": "POST"})
        try:
            request = json.loads(body or b"null")
        except ValueError as exc:
            return Reply(400, {"error": f"the body is not JSON: {exc}"})
        items = request.get("items") if isinstance(request, dict) else None
        try:
            return Reply(200, {"verdicts": await core.verify(path[len("/verify/") :], items)})
        except Refused as exc:
            return _error(exc)
    return Reply(404, {"error": f"no route {method} {path}; see GET /verifiers"})
