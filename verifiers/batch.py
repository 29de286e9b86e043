"""Checking a batch of items in one sandbox, the way every caller does it: a sandbox that breaks
is replaced and the item retried once; an item that breaks a fresh sandbox too gets an `error`
verdict with the evidence, so one hostile candidate cannot stop a run."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, replace
from typing import TYPE_CHECKING, Any

from assay.schemas.records import Status, Verdict, content_id
from assay.verifiers.sandbox import Limits, SandboxError

if TYPE_CHECKING:
    from assay.verifiers.sandbox import ZygoteSandbox


def broken_verdict(item: Any, verifier: str, reason: str) -> Verdict:
    """The verdict of an item no check could finish: an infrastructure failure it caused (or
    met twice), recorded with the reason instead of raised."""
    return Verdict(
        str(getattr(item, "id", "")),
        verifier,
        Status.ERROR,
        stderr_tail=reason[-2000:],
        evidence={"infrastructure": reason},
    )


def config_hash(name: str, options: Mapping[str, Any] | None, limits: Limits) -> str:
    """What a verdict was reached under, beyond the candidate: the registered verifier (e.g.
    `verilog` or `verilog-formal`), its options and the sandbox limits."""
    return content_id("verifier-config", name, dict(options or {}), asdict(limits))


def stamped(
    verdict: Verdict, checker: Any, options: Mapping[str, Any] | None, limits: Limits
) -> Verdict:
    """`verdict` with its provenance: tier (the verifier's own unless the verdict names one),
    verifier version and config hash, all part of its id. A verdict that names more of what it
    depends on (`evidence["provenance"]`: e.g. a program's toolchain version and limits) has
    that in its config hash too, so a new compiler makes a new verdict."""
    extra = verdict.evidence.get("provenance")
    used = {**(options or {}), "provenance": extra} if extra else options
    return replace(
        verdict,
        tier=verdict.tier or str(getattr(checker, "tier", "")),
        verifier_version=int(getattr(checker, "version", 0)),
        config_hash=config_hash(checker.name, used, limits),
    )


def check_batch(
    checker: Any,
    items: Sequence[Any],
    sandbox: Callable[[bool], ZygoteSandbox],
    limits: Limits,
    options: Mapping[str, Any] | None = None,
) -> list[Verdict]:
    """Verdicts in item order, each stamped with its provenance (`stamped`). `sandbox(fresh)`
    gives the sandbox to use (a new one if fresh)."""
    checked = _check_all(checker, items, sandbox, limits)
    return [stamped(v, checker, options, limits) for v in checked]


def _check_all(
    checker: Any,
    items: Sequence[Any],
    sandbox: Callable[[bool], ZygoteSandbox],
    limits: Limits,
) -> list[Verdict]:
    verdicts = []
    for item in items:
        try:
            verdicts.append(checker.check(item, sandbox(False), limits))
        except SandboxError:
            try:
                verdicts.append(checker.check(item, sandbox(True), limits))
            except SandboxError as exc:
                reason = f"the sandbox broke twice on this item: {exc}"
                verdicts.append(broken_verdict(item, checker.name, reason))
                sandbox(True)  # leave a working sandbox for the next item
    return verdicts
