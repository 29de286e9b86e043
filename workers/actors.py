"""Ray actors: one holds a generation backend (and its model), others each own a sandbox.

Both build their heavy state when the actor starts, where it will run: the model loads on the
node (and GPUs) the actor was placed on, and each verifier actor's sandbox zygote is a separate
process started from the actor, so checks never run inside the Ray worker itself. The engine's
lanes send them work (`workers.pools`).
"""

from __future__ import annotations

import ray

from assay.verifiers.sandbox import SandboxOptions
from assay.workers.api import Completion, Generator, Request, read_out
from assay.workers.checker import Checker


@ray.remote
class GeneratorActor:
    """Wraps a built (not set-up) Generator (`GeneratorSpec.build`); its resources are declared
    when it is created (`pools.RayReplica`)."""

    def __init__(self, generator: Generator) -> None:
        self.generator = generator
        self.generator.setup()

    def model(self) -> str:
        return self.generator.model

    def generate(self, requests: list[Request]) -> list[Completion]:
        return read_out(requests, self.generator.generate(requests))


@ray.remote
class VerifierActor(Checker):
    """A `Checker` in its own process; its sandbox opens as it starts, so a node that cannot
    give the isolation asked for refuses before any check is sent."""

    def __init__(self, sandbox: SandboxOptions | None = None) -> None:
        super().__init__(sandbox)
        self.box()
