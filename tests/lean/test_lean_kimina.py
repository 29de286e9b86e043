"""The Kimina server client against a local fake server speaking its `/api/check` API."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from assay.schemas.records import Status
from assay.verifiers.lean.config import DEFAULT_AXIOMS
from assay.verifiers.lean.kimina import KiminaClient, judge_result

SEEN: list[dict] = []


class Fake(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        SEEN.append({"path": self.path, "auth": self.headers.get("Authorization"), **body})
        info = {
            "severity": "info",
            "pos": {"line": 2, "column": 0},
            "data": "'t' depends on axioms: [propext]",
        }
        results = [
            {"id": "ok", "time": 0.1, "response": {"env": 0, "messages": [info]}},
            {"id": "slow", "time": 5, "error": "Lean REPL command timed out in 5 seconds"},
        ]
        data = json.dumps({"results": results}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = HTTPServer(("127.0.0.1", 0), Fake)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_kimina_check(server: str) -> None:
    client = KiminaClient(server, api_key="k")
    out = client.check({"ok": "import Mathlib\ntheorem t : True := trivial\n#print axioms t"}, 5)
    assert SEEN[-1]["path"] == "/api/check" and SEEN[-1]["auth"] == "Bearer k"
    assert SEEN[-1]["snippets"][0]["id"] == "ok" and SEEN[-1]["timeout"] == 5
    assert judge_result(out["ok"], "t", DEFAULT_AXIOMS)[0] is Status.PASS
    assert judge_result(out["slow"], "t", DEFAULT_AXIOMS)[0] is Status.TIMEOUT
