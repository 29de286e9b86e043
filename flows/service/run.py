"""`assay verify-server` in the foreground: connect to (or start) Ray, run the Serve
application, wait, and on Ctrl-C or SIGTERM stop everything it started: new requests get 503
while those admitted finish (up to `drain_s`), then the application, Serve's controller and
proxies if it started Serve (on a cluster that already ran Serve, only its own application
goes), and a Ray it started itself. A sweeper (`ops.sweeper`) stops what is left of a local
Ray's processes if this process is killed outright."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from dataclasses import dataclass
from typing import Any

from assay.flows.service.setups import ServiceConfig


def _serve_running() -> bool:
    """Whether the connected cluster already runs Serve (someone else's applications)."""
    import ray
    from ray.serve._private.constants import SERVE_CONTROLLER_NAME, SERVE_NAMESPACE

    try:
        ray.get_actor(SERVE_CONTROLLER_NAME, namespace=SERVE_NAMESPACE)
    except ValueError:
        return False
    return True


@dataclass
class Started:
    """What `start` got to before it returned or was interrupted, so `stop` removes just that."""

    handle: Any = None  # the application's, once it runs
    deploying: bool = False  # `serve.run` began: the application may exist
    owned: bool = False  # this process started Serve


def start(config: ServiceConfig, started: Started) -> None:
    """Ray (local unless `config.address`), Serve on host:port, the application, sized to the
    CPUs the cluster has free (another application's replicas keep theirs)."""
    # Before Ray is imported, as `assay.workers` does: under `uv run`, Ray's hook would make
    # every replica build its own environment from an upload of the checkout.
    os.environ.setdefault("RAY_ENABLE_UV_RUN_RUNTIME_ENV", "0")
    import ray
    from ray import serve

    from assay.flows.service.deploy import APP, application

    # Ray's core replaces SIGTERM's handler (with one that aborts) and SIGINT's.
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    if config.address is None:
        from assay.flows.ops.sweeper import start_sweeper

        start_sweeper()  # a SIGKILLed server leaves no Ray process behind either
        ray.init(include_dashboard=False, log_to_driver=False)
    else:
        ray.init(address=config.address, log_to_driver=False)
    for sig, handler in handlers.items():  # Ctrl-C and SIGTERM raise again: `stop` runs
        if callable(handler):
            signal.signal(sig, handler)
    started.owned = not _serve_running()
    serve.start(http_options={"host": config.host, "port": config.port})
    cpus = max(1.0, float(ray.available_resources().get("CPU", 1)))
    started.deploying = True
    started.handle = serve.run(application(config, cpus), name=APP, route_prefix="/")


def stop(started: Started, drain_s: float = 10.0) -> None:
    """Refuse new requests, let admitted ones finish, then remove what `start` started: the
    application, and Serve itself when it started it, and Ray (only a local one goes)."""
    import ray
    from ray import serve

    from assay.flows.service.deploy import APP

    if started.handle is not None:
        with contextlib.suppress(Exception):
            deadline = time.monotonic() + drain_s
            while started.handle.drain.remote().result(timeout_s=5) and (
                time.monotonic() < deadline
            ):
                time.sleep(0.2)
    if started.deploying:
        with contextlib.suppress(Exception):
            serve.shutdown() if started.owned else serve.delete(APP)
    ray.shutdown()


def serve_forever(config: ServiceConfig, announce: Any = print) -> None:
    """Run until interrupted (KeyboardInterrupt, which SIGTERM raises too: `flows.stop`)."""
    started = Started()
    try:
        start(config, started)
        where = f"http://{config.host}:{config.port}"
        announce(f"assay verify-server: ready on {where} (GET /healthz, /verifiers; "
                 "POST /verify/{verifier}); Ctrl-C stops it")  # fmt: skip
        while True:
            time.sleep(3600)
    finally:
        stop(started)
