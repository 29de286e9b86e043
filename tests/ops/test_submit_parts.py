"""What `assay submit` sends to a cluster, and what it says when the cluster refuses: real Ray
job clients against small local HTTP servers that answer like a dashboard."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import ray

from assay.flows.config import load_config
from assay.flows.ops.cluster import ClusterError, client
from assay.flows.ops.submit import (
    JOB_CONFIG,
    entrypoint,
    project_files,
    project_root,
    runtime_env,
    submission_id,
    uv_command,
    working_dir,
)


def _config(*more: str):
    return load_config(None, ["dataset=data/x", "tasks=[{seed: code, limit: 1}]", *more])


def test_uv_jobs_build_the_locked_environment_and_check_for_uv_first() -> None:
    local, remote = _config(), _config("generator.backend=openai")
    assert uv_command(local) == "uv run --frozen --no-dev"
    assert uv_command(remote) == "uv run --frozen --no-dev --no-default-groups"
    command = entrypoint(local, "uv")
    check, run = command.split(" }; ", 1)
    assert check.startswith("command -v uv >/dev/null 2>&1 || {") and "exit 3" in check
    assert run == f"uv run --frozen --no-dev python -m assay.flows run {JOB_CONFIG}"
    env = runtime_env("uv", Path("/w"))
    assert env == {"working_dir": "/w", "env_vars": {"RAY_ENABLE_UV_RUN_RUNTIME_ENV": "1"}}


def test_cluster_jobs_check_that_the_clusters_python_has_assay() -> None:
    command = entrypoint(_config(), "cluster")
    assert command.startswith('python -c "import assay.flows" 2>/dev/null || {')
    assert command.endswith(f"; python -m assay.flows run {JOB_CONFIG}")
    assert runtime_env("cluster", Path("/w")) == {"working_dir": "/w"}


def test_the_entrypoints_missing_tool_message_reaches_the_shell_intact(tmp_path: Path) -> None:
    command = entrypoint(_config(), "uv")
    done = subprocess.run(
        ["/bin/sh", "-c", command], env={"PATH": str(tmp_path)}, capture_output=True, text=True
    )
    assert done.returncode == 3
    assert "uv is not on this Ray node's PATH" in done.stderr


def test_the_working_dir_holds_the_checkout_and_the_absolute_config() -> None:
    root = project_root()
    assert root is not None
    files = {str(p) for p in project_files(root)}
    assert {"pyproject.toml", "uv.lock", "flows/cli.py", "flows/ops/submit.py"} <= files
    assert not any(f.startswith((".venv/", "data/", ".git/")) for f in files)
    config = _config()
    workdir = working_dir(config, "uv")
    try:
        assert (workdir / "uv.lock").read_bytes() == (root / "uv.lock").read_bytes()
        saved = load_config(workdir / JOB_CONFIG)
        assert saved.dataset == config.dataset.resolve() and saved.id == config.id
    finally:
        import shutil

        shutil.rmtree(workdir)
    bare = working_dir(config, "cluster")
    assert sorted(p.name for p in bare.iterdir()) == [JOB_CONFIG]


def test_submission_ids_are_deterministic_per_run_and_dataset() -> None:
    config = _config()
    assert submission_id(config) == submission_id(_config())
    assert submission_id(config, 2) == submission_id(config) + "-2"
    assert submission_id(config) != submission_id(_config("dataset=data/y"))


class _Dashboard(BaseHTTPRequestHandler):
    status = 200
    version = ray.__version__

    def do_GET(self) -> None:
        body = json.dumps({"version": "4", "ray_version": self.version}).encode()
        self.send_response(self.status)
        self.end_headers()
        self.wfile.write(body if self.status == 200 else b"Unauthorized")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def dashboard() -> Iterator[tuple[str, type[_Dashboard]]]:
    handler = type("Handler", (_Dashboard,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()


def test_an_auth_failure_says_how_to_send_the_token(dashboard, monkeypatch) -> None:
    address, handler = dashboard
    handler.status = 401
    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")
    with pytest.raises(ClusterError) as caught:
        client(address)
    message = str(caught.value)
    assert "RAY_AUTH_MODE=token" in message and "~/.ray/auth_token" in message
    assert "RAY_AUTH_TOKEN_PATH" in message and "ray get-auth-token" in message


def test_a_cluster_on_another_ray_version_is_refused_before_submitting(dashboard) -> None:
    address, handler = dashboard
    handler.version = "2.41.0"
    with pytest.raises(
        ClusterError, match=f"runs Ray 2.41.0 but assay is locked to Ray {ray.__version__}"
    ):
        client(address)


def test_no_dashboard_at_the_address_names_what_to_give(tmp_path: Path) -> None:
    with pytest.raises(ClusterError, match=r"no Ray dashboard answers at http://127\.0\.0\.1:9"):
        client("http://127.0.0.1:9")


TOKEN_MODE = """
import os, sys
from assay.flows.ops.cluster import token_mode
print(token_mode(), os.environ.get("RAY_AUTH_MODE"))
"""


@pytest.mark.parametrize(("mode", "token", "expected"), [
    (None, True, "True token"), (None, False, "False None"), ("disabled", True, "False disabled"),
])  # fmt: skip
def test_token_mode_is_turned_on_only_when_a_token_is_at_hand_and_no_mode_was_chosen(
    tmp_path: Path, mode: str | None, token: bool, expected: str
) -> None:
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("RAY_AUTH")}
    env["HOME"] = str(tmp_path)  # no ~/.ray/auth_token here
    if token:
        (tmp_path / "token").write_text("a" * 32)
        env["RAY_AUTH_TOKEN_PATH"] = str(tmp_path / "token")
    if mode is not None:
        env["RAY_AUTH_MODE"] = mode
    out = subprocess.run([sys.executable, "-c", TOKEN_MODE], env=env, capture_output=True,
                         text=True, check=True)  # fmt: skip
    assert out.stdout.strip() == expected
