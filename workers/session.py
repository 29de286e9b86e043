"""Ray for one run: join the cluster you name, or start a local Ray and stop only that."""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

log = logging.getLogger("assay.workers.ray")


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


@contextmanager
def ray_session(
    address: str | None = None, num_cpus: int | None = None, **init_options: Any
) -> Iterator[Any]:
    """Yield the `ray` module, initialised.

    - Ray already initialised here (a test fixture, a Ray job's driver): reused, left running.
    - `address` given (or `$RAY_ADDRESS`, as inside `ray job submit`): joined, and only this
      driver's connection is closed on exit; the cluster keeps running.
    - Otherwise a new local Ray with `num_cpus` (default: this process's cores) and no dashboard
      is started, never one that another process started on this machine, and stopped on exit.
    """
    import ray

    if ray.is_initialized():
        yield ray
        return
    target = address or os.environ.get("RAY_ADDRESS") or None
    sigterm = signal.getsignal(signal.SIGTERM)
    if target:
        if num_cpus is not None:
            log.info("num_cpus=%s ignored: joining the existing cluster at %s", num_cpus, target)
        ray.init(address=target, **init_options)
    else:
        options = {"include_dashboard": False, "log_to_driver": False, **init_options}
        ray.init(address="local", num_cpus=num_cpus or cores(), **options)
    _keep_sigterm_handler(sigterm)
    try:
        yield ray
    finally:
        ray.shutdown()


def _keep_sigterm_handler(handler: Any) -> None:
    """`ray.init` replaces the process's SIGTERM handler with `sys.exit(15)`, which ends a run
    mid-task with exit 1 or an abort instead of the caller's clean stop: put the caller's back."""
    if handler is not None and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, handler)
