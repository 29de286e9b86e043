"""Ray actors: one holds a generation backend (and its model), others each own a sandbox.

Both build their heavy state when the actor starts, where it will run: the model loads on the
node (and GPUs) the actor was placed on, and each verifier actor's sandbox zygote is a separate
process started from the actor, so checks never run inside the Ray worker itself.
"""

from __future__ import annotations

from typing import Any

import ray

from assay.schemas.records import Verdict
from assay.verifiers.sandbox import Limits, SandboxError
from assay.workers.api import Completion, Generator, Request


@ray.remote
class GeneratorActor:
    """Wraps any Generator: pass a built (not set-up) one, or a backend name, model and options.

    Declare its resources when creating it: `GeneratorActor.options(num_cpus=.., num_gpus=..)`.
    """

    def __init__(
        self,
        generator: Generator | str,
        model: str = "",
        options: dict[str, Any] | None = None,
    ) -> None:
        if isinstance(generator, str):
            from assay.workers.registry import build

            extra = {"model": model} if model else {}
            generator = build(generator, **extra, **(options or {}))
        self.generator = generator
        self.generator.setup()

    def model(self) -> str:
        return self.generator.model

    def generate(self, requests: list[Request]) -> list[Completion]:
        return self.generator.generate(requests)


@ray.remote
class VerifierActor:
    """Owns one sandbox and runs batches of checks through any registered verifier."""

    def __init__(self) -> None:
        from assay.verifiers.sandbox import open_sandbox

        self._open = open_sandbox
        self.sandbox = open_sandbox()

    def _fresh(self) -> None:
        try:
            self.sandbox.close()
        finally:
            self.sandbox = self._open()

    def check(
        self,
        verifier: str,
        items: list[Any],
        limits: Limits,
        options: dict[str, Any] | None = None,
    ) -> list[Verdict]:
        """Verdicts in item order; items are dicts or the verifier's `Item` models.

        A broken sandbox (an infrastructure failure) is replaced and the check retried once;
        a second failure raises, for the caller to retry elsewhere.
        """
        from assay.verifiers import registry

        checker = registry.configured(verifier, options)
        verdicts = []
        for raw in items:
            item = raw if isinstance(raw, checker.Item) else checker.Item.model_validate(raw)
            try:
                verdicts.append(checker.check(item, self.sandbox, limits))
            except SandboxError:
                self._fresh()
                verdicts.append(checker.check(item, self.sandbox, limits))
        return verdicts

    def isolation(self) -> str:
        return self.sandbox.isolation

    def close(self) -> None:
        self.sandbox.close()
