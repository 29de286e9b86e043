"""`assay verify-server` in the foreground: connect to (or start) Ray, run the Serve
application, wait, and on Ctrl-C or SIGTERM stop everything it started: new requests get 503
while those admitted finish (up to `drain_s`), then the application, Serve's controller and
proxies, and a Ray it started itself. A sweeper (`ops.sweeper`) stops what is left of a local
Ray's processes if this process is killed outright."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from typing import Any

from assay.flows.service.setups import ServiceConfig


def start(config: ServiceConfig) -> Any:
    """Ray (local unless `config.address`), Serve on host:port, the application; its handle."""
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
    serve.start(http_options={"host": config.host, "port": config.port})
    cpus = float(ray.cluster_resources().get("CPU", 1))
    return serve.run(application(config, cpus), name=APP, route_prefix="/")


def stop(handle: Any, drain_s: float = 10.0) -> None:
    """Refuse new requests, let admitted ones finish, then remove what `start` started."""
    import ray
    from ray import serve

    with contextlib.suppress(Exception):
        deadline = time.monotonic() + drain_s
        while handle.drain.remote().result(timeout_s=5) and time.monotonic() < deadline:
            time.sleep(0.2)
    with contextlib.suppress(Exception):
        serve.shutdown()
    ray.shutdown()


def serve_forever(config: ServiceConfig, announce: Any = print) -> None:
    """Run until interrupted (KeyboardInterrupt, which SIGTERM raises too: `flows.stop`)."""
    handle = None
    try:
        handle = start(config)
        where = f"http://{config.host}:{config.port}"
        announce(f"assay verify-server: ready on {where} (GET /healthz, /verifiers; "
                 "POST /verify/{verifier}); Ctrl-C stops it")  # fmt: skip
        while True:
            time.sleep(3600)
    finally:
        if handle is not None:
            stop(handle)
        else:
            import ray

            ray.shutdown()
