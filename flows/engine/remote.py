"""One run's workers shared by several engine loops: a host holds the run's `Compute` (its
generator replicas and verifier pool, with their deadlines, restarts and poison rules) on a
thread of its own, and each shard's loop drives a `RemoteCompute` that sends it operations.

Prompts from every shard meet in the host's generation lane, so each generator call is as full
as one driver's would be, and the verifier workers take every shard's checks. A shard's loop
sends what its programs asked in one call per turn and waits for whatever answers are back.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from assay.flows.engine.steps import Op

POLL_S = 0.01  # how long the host's lanes wait before taking new operations in
TAKE_S = 1.0  # how long a shard waits for answers before it looks again


class Host:
    """The run's `Compute`, turned by a thread (inside a Ray actor: `host_actor`)."""

    def __init__(self, open_compute: Callable[[ExitStack], Any]) -> None:
        self._stack = ExitStack()
        self.compute = open_compute(self._stack)
        self._inbox: queue.SimpleQueue[tuple[int, list[tuple[int, Op]]]] = queue.SimpleQueue()
        self._out: dict[int, list[tuple[int, Any]]] = {}
        self._ready = threading.Condition()
        self._error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._turn, name="assay-host", daemon=True)
        self._thread.start()

    def ready(self) -> float:
        """Wait until every worker has started; the seconds waited."""
        return float(self.compute.ready())

    def fill(self) -> int:
        return int(self.compute.fill())

    def submit(self, shard: int, ops: list[tuple[int, Op]]) -> None:
        self._inbox.put((shard, ops))

    def take(self, shard: int, timeout: float = TAKE_S) -> list[tuple[int, Any]]:
        """The answers back for `shard` since it last took, waiting up to `timeout` for one;
        the lanes' error, if they stopped."""
        with self._ready:
            self._ready.wait_for(lambda: self._out.get(shard) or self._error, timeout)
            if self._error is not None:
                raise RuntimeError(f"the run's workers stopped: {self._error}") from self._error
            return self._out.pop(shard, [])

    def stats(self) -> dict[str, Any]:
        return dict(self.compute.stats())

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self._stack.close()

    def _answer(self, shard: int, op_id: int, got: Any) -> None:
        with self._ready:
            self._out.setdefault(shard, []).append((op_id, got))
            self._ready.notify_all()

    def _turn(self) -> None:
        try:
            while not self._stop.is_set():
                while True:
                    try:
                        shard, ops = self._inbox.get_nowait()
                    except queue.Empty:
                        break
                    for op_id, op in ops:
                        self.compute.submit(
                            op, lambda got, s=shard, i=op_id: self._answer(s, i, got)
                        )
                if not self.compute.step(POLL_S):
                    self._stop.wait(POLL_S)
        except BaseException as exc:  # every shard hears it at its next take
            with self._ready:
                self._error = exc
                self._ready.notify_all()


def host_actor(shards: int) -> Any:
    """`Host` as a Ray actor with a thread per shard's call (and the flow's), taking no CPU
    from the verifier workers it starts."""
    import ray

    return ray.remote(Host).options(num_cpus=0, max_concurrency=2 * shards + 4)


class RemoteCompute:
    """What one shard's loop drives in place of `Compute`: operations go to the host, answers
    come back to the callbacks the loop gave."""

    def __init__(self, host: Any, shard: int, fill: int) -> None:
        self.host, self.shard, self._fill = host, shard, fill
        self._sent: list[tuple[int, Op]] = []
        self._waiting: dict[int, Callable[[Any], None]] = {}
        self._next = 0

    def fill(self) -> int:
        return self._fill

    def submit(self, op: Op, done: Callable[[Any], None]) -> None:
        self._next += 1
        self._sent.append((self._next, op))
        self._waiting[self._next] = done

    def step(self, timeout: float | None = None) -> bool:
        """Send what was asked since the last turn, then hand out the answers back."""
        import ray

        if self._sent:
            ops, self._sent = self._sent, []
            self.host.submit.remote(self.shard, ops)
        if not self._waiting:
            return False
        wait = TAKE_S if timeout is None else min(timeout, TAKE_S)
        for op_id, got in ray.get(self.host.take.remote(self.shard, wait)):
            self._waiting.pop(op_id)(got)
        return True

    def stats(self) -> dict[str, Any]:
        return {}
