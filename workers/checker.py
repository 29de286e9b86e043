"""A verifier worker's body: one sandbox, batches of check items through any registered
verifier. A Ray actor wraps it (`actors.VerifierActor`), a thread uses it as is
(`pools.ThreadChecker`); either way the items come validated from the check lane."""

from __future__ import annotations

from typing import Any

from assay.schemas.records import Verdict
from assay.verifiers.sandbox import Limits, SandboxOptions, ZygoteSandbox


class Checker:
    """Owns one sandbox (opened on first use: its zygote is a separate process)."""

    def __init__(self, sandbox: SandboxOptions | None = None) -> None:
        self._options = sandbox
        self.sandbox: ZygoteSandbox | None = None

    def box(self, fresh: bool = False) -> ZygoteSandbox:
        """The sandbox, a new one when `fresh` (the old one broke)."""
        from assay.verifiers.sandbox import open_sandbox

        if fresh:
            self.close()
        if self.sandbox is None:
            self.sandbox = open_sandbox(options=self._options)
        return self.sandbox

    def check(
        self,
        verifier: str,
        items: list[Any],
        limits: Limits,
        options: dict[str, Any] | None = None,
    ) -> list[Verdict]:
        """Verdicts in item order. A broken sandbox is replaced and the check retried once; an
        item that breaks a fresh sandbox too gets an `error` verdict (`verifiers.batch`)."""
        from assay.verifiers import registry
        from assay.verifiers.batch import check_batch

        checker = registry.configured(verifier, options)
        return check_batch(checker, items, self.box, limits, options)

    def isolation(self) -> str:
        return self.box().isolation

    def close(self) -> None:
        if self.sandbox is not None:
            sandbox, self.sandbox = self.sandbox, None
            sandbox.close()
