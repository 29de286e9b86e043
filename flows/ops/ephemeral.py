"""Prefect's temporary API server for a run, bound to the run's process.

With no `PREFECT_API_URL`, Prefect starts a temporary API server (`SubprocessASGIServer`: uvicorn
serving `prefect.server.api.server`) on the first client call and stops it at exit (atexit). A
process killed with SIGKILL runs no atexit hook, so that server lived on under init, ~200 MB,
for good. Here the same server is started by the run itself, before Prefect asks for one, with a
parent-death signal (`lifetime.bound_child`); Prefect's own calls then find it running.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from typing import Any

from assay.flows.ops.lifetime import bound_child


def temporary_api() -> None:
    """Without a configured Prefect API, start Prefect's temporary API server now, bound to this
    process. From a thread other than the main one this does nothing: the kernel ties the signal
    to the starting thread, so the server would die with that thread instead."""
    from prefect.settings import get_current_settings

    if get_current_settings().api.url or threading.current_thread() is not threading.main_thread():
        return
    _bound_server_class()().start()


def _bound_server_class() -> Any:
    import prefect
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.settings import get_current_settings

    class BoundServer(SubprocessASGIServer):  # type: ignore[misc]
        """Prefect's temporary server with a parent-death signal. Prefect keeps one instance per
        port (`SubprocessASGIServer()` returns this one once it exists); the command is the one
        Prefect 3.9's `_run_uvicorn_command` runs."""

        def _run_uvicorn_command(self) -> subprocess.Popen[bytes]:
            env = {
                **os.environ,
                "PREFECT_UI_ENABLED": "0",
                "PREFECT__SERVER_EPHEMERAL": "1",
                "PREFECT__SERVER_FINAL": "1",
                **get_current_settings().to_environment_variables(exclude_unset=True),
            }
            app_dir = str(prefect.__module_path__.parent)
            args = [sys.executable, "-m", "uvicorn", "--app-dir", app_dir, "--factory",
                    "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port",
                    str(self.port), "--log-level", "error", "--lifespan", "on"]  # fmt: skip
            return subprocess.Popen(args, env=env, preexec_fn=bound_child())

    return BoundServer
