"""`assay verify-server --address` on a Ray cluster it did not start (a real head node on this
machine, `ray start --block`), where Serve already runs someone else's application: the server
answers through that Serve, and stopping it removes only its own application, never Serve or
the cluster."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Server
from raycluster import ENV, free_port, start
from test_server import PY_OK, post

pytestmark = pytest.mark.slow

OTHER = """
import ray
from ray import serve

@serve.deployment
class Other:
    def __call__(self, request):
        return "other"

ray.init(address="{gcs}")
serve.start(http_options={{"host": "127.0.0.1", "port": {port}}})
serve.run(Other.bind(), name="other", route_prefix="/other")
"""

APPS = """
import json, ray
from ray import serve
ray.init(address="{gcs}")
print(json.dumps(sorted(serve.status().applications)))
"""


@pytest.fixture()
def head(tmp_path: Path) -> Iterator[str]:
    port, dash = free_port(), free_port()
    node = start(tmp_path, "head", f"http://127.0.0.1:{dash}", "--head", "--port", str(port),
                 "--num-cpus", "2", "--include-dashboard", "true", "--dashboard-host",
                 "127.0.0.1", "--dashboard-port", str(dash))  # fmt: skip
    try:
        yield f"127.0.0.1:{port}"
    finally:
        node.kill()
        current = Path("/tmp/ray/ray_current_cluster")
        if current.is_file() and current.read_text().strip().endswith(f":{port}"):
            current.unlink()


def _driver(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], env=ENV, capture_output=True,
                          text=True, timeout=180)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.mark.timeout(600)
def test_a_server_on_a_cluster_with_serve_removes_only_its_own_application(
    head: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    http = free_port()
    _driver(OTHER.format(gcs=head, port=http))  # Serve, and an application, before ours
    for key in ("RAY_AUTH_MODE",):
        monkeypatch.setenv(key, ENV[key])
    server = Server(tmp_path / "server.log", "--address", head, port=http)
    try:
        server.wait_ready()
        status, _, body = post(server, "/verify/python", {"items": [{"id": "a", **PY_OK}]})
        assert status == 200 and body["verdicts"][0]["status"] == "pass"
    finally:
        server.stop()
    assert server.proc.returncode == 143
    assert json.loads(_driver(APPS.format(gcs=head)).strip().splitlines()[-1]) == ["other"]
