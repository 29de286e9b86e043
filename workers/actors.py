"""Ray actors: one holds a generation backend (and its model), others each own a sandbox.

Both build their heavy state when the actor starts, where it will run: the model loads on the
node (and GPUs) the actor was placed on, and each verifier actor's sandbox zygote is a separate
process started from the actor, so checks never run inside the Ray worker itself.
"""

from __future__ import annotations

from typing import Any

import ray

from assay.schemas.records import Verdict
from assay.verifiers.sandbox import Limits, SandboxOptions
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

    def __init__(self, sandbox: SandboxOptions | None = None) -> None:
        from functools import partial

        from assay.verifiers.sandbox import open_sandbox

        self._open = partial(open_sandbox, options=sandbox)
        self.sandbox = self._open()

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
        an item that breaks a fresh sandbox too gets an `error` verdict (`verifiers.batch`).
        """
        from assay.verifiers import registry
        from assay.verifiers.batch import check_batch

        checker = registry.configured(verifier, options)
        models = [
            i if isinstance(i, checker.Item) else checker.Item.model_validate(i) for i in items
        ]
        return check_batch(checker, models, self._box, limits, options)

    def _box(self, fresh: bool) -> Any:
        if fresh:
            self._fresh()
        return self.sandbox

    def isolation(self) -> str:
        return self.sandbox.isolation

    def close(self) -> None:
        self.sandbox.close()
