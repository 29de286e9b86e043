"""The Ray Serve application: a gateway replica (HTTP, validation, the bounded queue, retries)
in front of verifier worker replicas, each owning one sandbox like a run's verifier actors,
placed by Ray wherever a node has the CPU share they declare, autoscaled between
`min_workers` and `max_workers`."""

from __future__ import annotations

import os
import time
from typing import Any

from ray import serve
from starlette.requests import Request
from starlette.responses import Response

from assay.flows.service.core import Core
from assay.flows.service.http import route
from assay.flows.service.setups import ServiceConfig, setups

APP = "assay-verify"


@serve.deployment(
    max_ongoing_requests=2,
    health_check_period_s=2,
    health_check_timeout_s=10,  # a stopped replica (SIGSTOP, a wedged node) is replaced
    graceful_shutdown_timeout_s=5,
)
class VerifierWorker:
    """One sandbox; checks chunks of validated items with any registered verifier. A check that
    raises (a toolchain missing, a sandbox that cannot start) is the service's failure, not the
    candidate's: each item gets an `error` verdict marked `infrastructure` (judged: false). A
    call still running past its deadline fails the replica's health check, so Serve kills and
    replaces it, as a stopped one is (the gateway has already sent its items elsewhere)."""

    def __init__(self) -> None:
        from assay.workers.checker import Checker

        self.checker = Checker()
        self.checker.box()  # a node that cannot sandbox refuses before any check is sent
        self.due: dict[int, float] = {}  # calls running: when each must have answered

    def check(
        self, verifier: str, options: Any, items: list[Any], limits: Any, deadline_s: float = 0
    ) -> list[Any]:
        from assay.verifiers import registry
        from assay.verifiers.batch import broken_verdict, stamped

        token = id(items)
        if deadline_s:
            self.due[token] = time.monotonic() + deadline_s
        try:
            return self.checker.check(verifier, items, limits, options)
        except Exception as exc:
            why = f"the check could not run: {type(exc).__name__}: {exc}"
            name = registry.get(verifier)
            return [stamped(broken_verdict(i, verifier, why), name, options, limits) for i in items]
        finally:
            self.due.pop(token, None)

    def check_health(self) -> None:
        """Serve's probe: a replica holding a call past its deadline is stuck, not busy."""
        late = [due for due in list(self.due.values()) if time.monotonic() > due]
        if late:
            raise RuntimeError(f"{len(late)} check call(s) past their deadline: replace me")

    def pid(self) -> int:
        return os.getpid()

    def __del__(self) -> None:
        self.checker.close()


class HandleWorkers:
    """The worker deployment behind its handle: a replica that dies mid-call is `lost`."""

    def __init__(self, handle: Any) -> None:
        self.handle = handle

    async def send(
        self, verifier: str, options: Any, items: list[Any], limits: Any, deadline_s: float
    ) -> Any:
        return await self.handle.check.remote(verifier, options, items, limits, deadline_s)

    async def probe(self) -> None:
        """Returns once a worker answers (its sandbox is open)."""
        await self.handle.pid.remote()

    def lost(self, exc: BaseException) -> bool:
        from ray import exceptions as rex

        kinds = (rex.RayActorError, rex.WorkerCrashedError, rex.NodeDiedError,
                 rex.ActorUnavailableError)  # fmt: skip
        return isinstance(exc, kinds)


@serve.deployment(max_ongoing_requests=1000, ray_actor_options={"num_cpus": 0})
class Gateway:
    def __init__(self, workers: Any, config: dict[str, Any], replicas: int) -> None:
        cfg = ServiceConfig.model_validate(config)
        self.core = Core(setups(), HandleWorkers(workers), cfg, replicas)

    async def __call__(self, request: Request) -> Response:
        headers = {k.lower(): v for k, v in request.headers.items()}
        reply = await route(self.core, request.method, request.url.path, headers,
                            await request.body())  # fmt: skip
        return Response(reply.payload(), reply.status, reply.headers, "application/json")

    def drain(self) -> int:
        """Refuse new requests (503); the items still being checked."""
        self.core.draining = True
        return self.core.queued


def application(config: ServiceConfig, cpus: float) -> Any:
    """The bound application: workers sized to the cluster's `cpus`."""
    from assay.flows.engine.checks import verifier_share

    most = config.max_workers or max(config.min_workers, int(cpus))
    share = verifier_share(cpus, 0.0, most)
    workers = VerifierWorker.options(  # type: ignore[attr-defined]
        ray_actor_options={"num_cpus": share},
        autoscaling_config={"min_replicas": config.min_workers, "max_replicas": most,
                            "initial_replicas": most, "target_ongoing_requests": 1},
    )  # fmt: skip
    return Gateway.bind(workers.bind(), config.model_dump(), most)  # type: ignore[attr-defined]
