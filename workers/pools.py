"""The workers the round engine's lanes send work to: generator replicas and verifier workers,
as Ray actors placed by their declared resources, or as threads in this process (tests, runs
without Ray). Each answers `submit(payload) -> Future` and says when a failure means the worker
itself was lost (`lost`), so the lane restarts it and resends the work. A lane that gives up
waiting on a call restarts the worker too: `ray.kill` ends an actor's process even when it is
stopped (SIGSTOP) or wedged.
"""

from __future__ import annotations

import contextlib
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assay.verifiers.sandbox import SandboxOptions

from assay.workers.api import Generator, read_out
from assay.workers.checker import Checker
from assay.workers.spec import GeneratorSpec


def _ray_lost(exc: BaseException) -> bool:
    """Failures of the worker rather than of the work: its actor, process or node is gone."""
    from ray import exceptions as rex

    lost = (rex.RayActorError, rex.WorkerCrashedError, rex.NodeDiedError, rex.ObjectLostError)
    if "IsolationRefused" in str(exc):  # the node lacks isolation `verify.isolation` requires
        return False
    return isinstance(exc, lost)


class _RayWorker:
    """An actor handle that is replaced by a new actor, wherever Ray finds room, when lost. An
    actor runs its calls one at a time (`serial`): when it dies, the oldest call was running."""

    serial = True
    name = ""

    def __init__(self) -> None:
        self.handle = self._start()
        self.starts = 1

    def _needs(self) -> dict[str, float]:
        raise NotImplementedError

    def _actor(self) -> dict[str, Any]:
        """Ray's record of the actor (its state, and its process once placed)."""
        import ray

        with contextlib.suppress(Exception):
            return dict(ray._private.state.actors(self.handle._actor_id.hex()))  # no public API
        return {}

    def pid(self) -> int:
        """The actor's process id (0 while Ray has not placed it)."""
        return int(self._actor().get("Pid") or 0)

    def waiting(self) -> str:
        """Why the actor has not started yet, as far as Ray can say."""
        import ray

        actor = self._actor()
        state, pid = actor.get("State", ""), int(actor.get("Pid") or 0)
        needs = {k: v for k, v in self._needs().items() if v}
        if state == "DEAD":
            return f"its actor died: {actor.get('DeathCause') or 'no cause recorded'}"
        if pid:
            return (
                f"its process {pid} is still in its constructor (loading the model, opening "
                "the sandbox)"
            )
        free = ray.available_resources()
        short = [f"{k}: needs {v:g}, {free.get(k, 0):g} free" for k, v in needs.items()
                 if free.get(k, 0) < v]  # fmt: skip
        if short:
            total = ray.cluster_resources()
            have = ", ".join(f"{k} {total.get(k, 0):g}" for k in needs)
            return (f"Ray has no node to place it on ({'; '.join(short)}; the cluster has "
                    f"{have} in all)")  # fmt: skip
        return f"Ray has not placed it yet (state {state or 'unknown'}, needs {needs})"

    def _start(self) -> Any:
        raise NotImplementedError

    def lost(self, exc: BaseException) -> bool:
        return _ray_lost(exc)

    def ready(self) -> Future:
        """Done once the actor has started (its model loaded, its sandbox open)."""
        return self.handle.__ray_ready__.remote().future()

    def restart(self) -> None:
        self.close()
        self.handle = self._start()
        self.starts += 1

    def close(self) -> None:
        import ray

        with contextlib.suppress(Exception):
            ray.kill(self.handle, no_restart=True)


class RayReplica(_RayWorker):
    """One generator actor holding what `spec.needs()` (CPUs, GPUs, custom resources)."""

    def __init__(self, spec: GeneratorSpec, name: str = "") -> None:
        self.spec = spec
        self.name = name or f"generator replica ({spec.backend})"
        super().__init__()

    def _needs(self) -> dict[str, float]:
        return self.spec.needs()

    def _start(self) -> Any:
        from assay.workers.actors import GeneratorActor

        generator = self.spec.build()  # options only; validates them before anything starts
        needs = self.spec.needs(generator)
        custom = {k: v for k, v in needs.items() if k not in ("CPU", "GPU")}
        return GeneratorActor.options(  # type: ignore[attr-defined]
            num_cpus=needs["CPU"], num_gpus=needs["GPU"], resources=custom or None
        ).remote(generator)

    def submit(self, payload: Any) -> Future:
        return self.handle.generate.remote(list(payload)).future()


class RayChecker(_RayWorker):
    """One verifier actor (it owns a sandbox) holding `num_cpus` of a node."""

    def __init__(
        self, num_cpus: float, sandbox: SandboxOptions | None = None, name: str = ""
    ) -> None:
        self.num_cpus = num_cpus
        self.sandbox = sandbox
        self.name = name or "verifier actor"
        super().__init__()

    def _needs(self) -> dict[str, float]:
        return {"CPU": self.num_cpus}

    def _start(self) -> Any:
        from assay.workers.actors import VerifierActor

        actor = VerifierActor.options(num_cpus=self.num_cpus)  # type: ignore[attr-defined]
        return actor.remote(self.sandbox)

    def submit(self, payload: Any) -> Future:
        verifier, options, items, limits = payload
        return self.handle.check.remote(verifier, items, limits, options).future()


class LostWorker(RuntimeError):
    """Raised by a thread worker's work to stand for a lost worker (tests plant it)."""


class ThreadReplica:
    """A generator called on a thread of this process, one call at a time."""

    def __init__(self, generator: Generator) -> None:
        self.generator = generator
        self.pool = ThreadPoolExecutor(max_workers=1)
        self.generator.setup()

    def submit(self, payload: Any) -> Future:
        requests = list(payload)
        return self.pool.submit(lambda: read_out(requests, self.generator.generate(requests)))

    def lost(self, exc: BaseException) -> bool:
        return isinstance(exc, LostWorker)

    def restart(self) -> None:
        return None  # the thread and the generator are still there

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)


class ThreadChecker:
    """A `Checker` (one sandbox of this process) used from one thread."""

    def __init__(self, sandbox: SandboxOptions | None = None) -> None:
        self.pool = ThreadPoolExecutor(max_workers=1)
        self.checker = Checker(sandbox)

    def submit(self, payload: Any) -> Future:
        verifier, options, items, limits = payload
        return self.pool.submit(self.checker.check, verifier, items, limits, options)

    def lost(self, exc: BaseException) -> bool:
        return isinstance(exc, LostWorker)

    def restart(self) -> None:
        return None

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        self.checker.close()
