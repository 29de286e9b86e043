"""The local Prefect server's bookkeeping and `assay serve`'s arguments, without starting one
(the slow tier starts a real server: test_scheduled_runs.py)."""

from __future__ import annotations

import json
import socket
import subprocess
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from assay.flows.cli import app
from assay.flows.ops.schedule import ScheduleConfig
from assay.flows.ops.server import ServerConfig, ServerError, data_home, start, status, stop


def test_the_server_lives_under_the_users_data_folder(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert ServerConfig().home == tmp_path / "assay" / "prefect"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert data_home() == Path.home() / ".local" / "share" / "assay"
    assert ServerConfig(port=4300).url == "http://127.0.0.1:4300/api"
    with pytest.raises(ValidationError):
        ServerConfig(port=0)


def test_a_pid_file_of_a_process_that_is_not_the_server_counts_as_stopped(tmp_path: Path) -> None:
    config = ServerConfig(home=tmp_path)
    assert status(config) is None and stop(config) is None
    other = subprocess.Popen(["sleep", "30"])
    try:
        config.state_file.write_text(json.dumps({"pid": other.pid, "url": config.url}))
        assert status(config) is None
        assert stop(config) is None  # never signals a process it did not start
        assert other.poll() is None
        assert not config.state_file.exists()
    finally:
        other.kill()
        other.wait()


def test_a_port_taken_by_another_program_is_refused_naming_the_way_out(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        config = ServerConfig(home=tmp_path, port=sock.getsockname()[1])
        with pytest.raises(ServerError, match=r"--port N.*PREFECT_API_URL"):
            start(config)


def test_a_schedule_is_a_cron_or_an_interval_and_collisions_skip_by_default() -> None:
    assert ScheduleConfig(name="n", cron="0 3 * * *").collision == "skip"
    assert ScheduleConfig(name="n", interval_s=60, collision="queue").concurrency == 1
    for bad in ({}, {"cron": "* * * * *", "interval_s": 60}, {"cron": "x", "collision": "drop"},
                {"cron": "x", "concurrency": 0}):  # fmt: skip
        with pytest.raises(ValidationError):
            ScheduleConfig(name="n", **bad)


@pytest.mark.parametrize(("args", "message"), [
    ([], "give exactly one of --cron or --interval"),
    (["--cron", "* * * * *", "--collision", "drop"], "collision"),
    (["--interval", "0"], "interval_s"),
])  # fmt: skip
def test_serve_rejects_bad_schedules_before_starting_anything(args, message) -> None:
    result = CliRunner().invoke(app, ["serve", "examples/code.yaml", *args])
    assert result.exit_code == 2
    assert message in result.output


def test_submit_rejects_an_unknown_env() -> None:
    args = ["submit", "examples/code.yaml", "--address", "http://127.0.0.1:9", "--env", "conda"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and "--env must be uv or cluster" in result.output
