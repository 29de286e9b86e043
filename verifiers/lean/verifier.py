"""The registry's face of the Lean check: `assay verify lean` reads these input lines.

Cheapest first: rebuild the checked theorem from the canonical statement and the proof body,
scan the body for banned constructs, then elaborate it in a pooled REPL on top of the header's
environment, read errors and sorries, print its axioms, and (strict tier) re-check a pass from
scratch inside the sandbox.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from assay.schemas.records import Status, Verdict
from assay.verifiers.lean.cheats import problems
from assay.verifiers.lean.config import LeanConfig
from assay.verifiers.lean.judge import judge
from assay.verifiers.lean.pool import HeaderFailed, PoolLimits, ReplPool, process_spawner
from assay.verifiers.lean.process import ReplDied, ReplProcess, ReplTimeout
from assay.verifiers.lean.protocol import Command, CommandResponse, Response
from assay.verifiers.lean.repl_sandbox import ReplSandbox
from assay.verifiers.lean.source import SourceError, build, split_header
from assay.verifiers.lean.strict import recheck
from assay.verifiers.lean.toolchain import Toolchain, resolve
from assay.verifiers.registry import Registered, register
from assay.verifiers.sandbox import Limits, Sandbox, SandboxOptions
from assay.verifiers.sandbox.api import IsolationPolicy

_MEMORY = ("out of memory", "Cannot allocate memory", "std::bad_alloc")


class LeanItem(BaseModel):
    """One input line; extra fields pass through to the output."""

    model_config = ConfigDict(extra="allow")

    id: str | int
    statement: str = Field(min_length=1)  # canonical `theorem NAME ... :=` (a `sorry` tail is ok)
    proof: str  # the model's proof body, what follows `:=` (e.g. `by norm_num`)
    header: str = ""  # imports, then trusted setup (`open ...`, `set_option ...`)


@register("lean", LeanItem, tier="kernel")
class LeanVerifier(Registered):
    """Lean 4 proofs checked by a pool of REPL processes; `LeanConfig()` checks nothing
    (no project configured): every verdict is `unsupported`, never `pass`."""

    def __init__(self, config: LeanConfig | None = None) -> None:
        self.config = config or LeanConfig()
        self._pool: ReplPool | None = None
        self._policy: IsolationPolicy = "warn"  # what the pool's processes were started under
        self._lock = threading.Lock()

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> LeanVerifier:
        """From plain options (a run config's `proofs.lean`): project, command, strict, ..."""
        fields: dict[str, Any] = {
            k: tuple(v) if isinstance(v, list) else v for k, v in options.items()
        }
        try:
            return cls(LeanConfig(**fields))
        except TypeError as exc:
            raise ValueError(f"Lean verifier options: {exc}") from None

    def policy(self, sandbox: Sandbox) -> IsolationPolicy:
        """`require` if this verifier's config or the sandbox it is given requires full
        isolation (a run's `verify.isolation` reaches the REPLs through its sandboxes)."""
        options = getattr(sandbox, "options", None)
        given = options.isolation if isinstance(options, SandboxOptions) else "warn"
        return "require" if "require" in (self.config.isolation, given) else "warn"

    def pool(self, tool: Toolchain, policy: IsolationPolicy = "warn") -> ReplPool:
        """The process pool, started on first use and kept for the verifier's lifetime (started
        again if the isolation policy changes)."""
        with self._lock:
            if self._pool is not None and self._policy != policy:
                self._pool.close()
                self._pool = None
            if self._pool is None:
                cfg = self.config
                box = ReplSandbox(tool.readable, options=SandboxOptions(policy))
                spawn = process_spawner(
                    tool.argv, tool.cwd, tool.env, cfg.address_space_mb, cfg.fsize_mb, box
                )
                limits = PoolLimits(
                    cfg.max_processes, cfg.max_commands, cfg.max_rss_mb, cfg.header_timeout_s
                )
                self._pool = ReplPool(spawn, limits)
                self._policy = policy
            return self._pool

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()

    def check(self, item: LeanItem, sandbox: Sandbox, limits: Limits) -> Verdict:
        started = time.monotonic()

        def verdict(status: Status, isolation: str = "", **evidence: Any) -> Verdict:
            return Verdict(
                candidate_id=str(item.id),
                verifier=self.name,
                status=status,
                stderr_tail=str(evidence.pop("stderr", ""))[-2000:],
                duration_s=time.monotonic() - started,
                isolation=isolation,
                evidence=evidence,
                against="statement",
            )

        try:
            source, name = build(item.statement, item.proof)
            imports, preamble = split_header(item.header)
        except SourceError as exc:
            return verdict(Status.REJECTED, reason=str(exc))
        found = problems(item.proof, self.config.extra_forbidden)
        if found:
            return verdict(Status.CHEAT, reason=found[0], rules=found)
        tool = resolve(self.config)
        if isinstance(tool, str):
            return verdict(Status.UNSUPPORTED, reason=tool)

        def steps(proc: ReplProcess, env: int) -> tuple[Response, Response | None]:
            answer = proc.request(Command(source, env).to_json(), limits.wall_s)
            if not isinstance(answer, CommandResponse) or answer.errors() or answer.sorries:
                return answer, None
            return answer, proc.request(
                Command(f"#print axioms {name}", answer.env).to_json(), limits.wall_s
            )

        try:
            pool = self.pool(tool, self.policy(sandbox))
            (answer, axioms), proc = pool.run(imports, preamble, steps)
        except ReplTimeout as exc:
            return verdict(Status.TIMEOUT, reason=str(exc))
        except ReplDied as exc:
            memory = any(marker in exc.stderr for marker in _MEMORY)
            status = Status.MEMORY if memory else Status.ERROR
            return verdict(status, reason=str(exc), stderr=exc.stderr)
        except HeaderFailed as exc:
            return verdict(Status.ERROR, reason=str(exc)[:1000])
        status, evidence = judge(answer, axioms, name, self.config.allowed_axioms)
        isolation = f"repl-pool({proc.isolation})"
        if status is Status.PASS and self.config.strict:
            full = "\n".join(x for x in (imports, preamble, source) if x)
            status, more = recheck(tool, self.config, full, name, sandbox, limits)
            evidence.update(more)
            isolation = str(more.get("strict_isolation", isolation))
        return verdict(status, isolation, theorem=name, **evidence)
