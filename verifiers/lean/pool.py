"""A pool of long-lived REPL processes, routed by import header.

Importing Mathlib costs seconds and gigabytes, so each process keeps the environment it built
for a header (`env` id after the imports, then after the trusted preamble) and later checks with
the same header run on top of it. Processes are recycled after `max_commands` commands or when
their memory grows past `max_rss_mb` (the REPL keeps every environment it ever made); the least
recently used idle one is evicted when a new header needs room; a timeout or crash kills the
process group and the next check gets a fresh process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from assay.verifiers.lean.process import ReplDied, ReplProcess, ReplTimeout
from assay.verifiers.lean.protocol import Command, CommandResponse, ReplError, Response
from assay.verifiers.lean.repl_sandbox import ReplSandbox

Spawn = Callable[[], ReplProcess]
T = TypeVar("T")


class HeaderFailed(RuntimeError):
    """The header (imports or trusted preamble) did not elaborate; `response` says why."""

    def __init__(self, message: str, response: Response | None = None) -> None:
        super().__init__(message)
        self.response = response


@dataclass
class PoolStats:
    started: int = 0
    recycled: int = 0  # by command count or memory
    evicted: int = 0  # idle, least recently used, to make room for another header
    killed: int = 0  # timeouts and crashes
    header_reuses: int = 0  # checks that reused a process's header environment


@dataclass(frozen=True)
class PoolLimits:
    max_processes: int = 2
    max_commands: int = 200
    max_rss_mb: float = 12_288
    header_timeout_s: float = 600.0


class ReplPool:
    """Thread-safe: `run` checks a process out, so concurrent checks use different processes."""

    def __init__(self, spawn: Spawn, limits: PoolLimits) -> None:
        self._spawn = spawn
        self.limits = limits
        self._idle: list[tuple[str, ReplProcess]] = []  # (imports, process), oldest use first
        self._busy = 0
        self._cond = threading.Condition()
        self.stats = PoolStats()
        self.closed = False

    def _checkout(self, imports: str) -> ReplProcess | None:
        """An idle process for `imports` (most recent first), or None when one may be started."""
        with self._cond:
            while True:
                if self.closed:
                    raise RuntimeError("the REPL pool is closed")
                for i in range(len(self._idle) - 1, -1, -1):
                    if self._idle[i][0] == imports:
                        self._busy += 1
                        return self._idle.pop(i)[1]
                if self._busy + len(self._idle) < self.limits.max_processes:
                    self._busy += 1
                    return None
                if self._idle:  # evict the least recently used idle process of another header
                    _, old = self._idle.pop(0)
                    old.kill()
                    self.stats.evicted += 1
                    continue
                self._cond.wait()

    def _checkin(self, imports: str, proc: ReplProcess | None) -> None:
        with self._cond:
            self._busy -= 1
            if proc is not None and not self.closed:
                self._idle.append((imports, proc))
            elif proc is not None:
                proc.kill()
            self._cond.notify()

    def _header_env(self, proc: ReplProcess, imports: str, preamble: str) -> int:
        key = (imports, preamble)
        if key in proc.envs:
            self.stats.header_reuses += 1
            return proc.envs[key]
        base = proc.envs.get((imports, ""))
        if base is None:
            base = self._expect_env(
                proc.request(Command(imports).to_json(), self.limits.header_timeout_s), "imports"
            )
            proc.envs[(imports, "")] = base
        if preamble:
            answer = proc.request(Command(preamble, base).to_json(), self.limits.header_timeout_s)
            proc.envs[key] = self._expect_env(answer, "preamble")
        return proc.envs[key]

    @staticmethod
    def _expect_env(answer: Response, what: str) -> int:
        if isinstance(answer, CommandResponse) and not answer.errors():
            return answer.env
        raise HeaderFailed(f"the header's {what} did not elaborate: {answer!r}"[:2000], answer)

    def run(
        self,
        imports: str,
        preamble: str,
        steps: Callable[[ReplProcess, int], T],
    ) -> tuple[T, ReplProcess]:
        """Run `steps(process, header_env)` on a process that has `imports` + `preamble` loaded.

        Raises ReplTimeout / ReplDied (the process is already killed and dropped) and
        HeaderFailed (the process is kept: its imports are fine, the preamble was not).
        """
        proc = self._checkout(imports)
        keep: ReplProcess | None = None
        try:
            if proc is None or not proc.alive():
                proc = self._spawn()
                self.stats.started += 1
            env = self._header_env(proc, imports, preamble)
            answer = steps(proc, env)
            keep = self._maybe_recycle(proc)
            return answer, proc
        except HeaderFailed:
            keep = proc
            raise
        except (ReplTimeout, ReplDied):
            self.stats.killed += 1
            raise
        finally:
            self._checkin(imports, keep)

    def _maybe_recycle(self, proc: ReplProcess) -> ReplProcess | None:
        if proc.commands >= self.limits.max_commands or proc.rss_mb() > self.limits.max_rss_mb:
            proc.kill()
            self.stats.recycled += 1
            return None
        return proc

    def size(self) -> int:
        with self._cond:
            return self._busy + len(self._idle)

    def close(self) -> None:
        with self._cond:
            self.closed = True
            idle, self._idle = self._idle, []
            self._cond.notify_all()
        for _, proc in idle:
            proc.kill()


def process_spawner(
    argv: tuple[str, ...],
    cwd: Path,
    env: Mapping[str, str],
    address_space_mb: int | None,
    fsize_mb: int,
    sandbox: ReplSandbox | None = None,
) -> Spawn:
    """A `Spawn` that starts `argv` in `cwd` through the trusted launcher, isolated as
    `sandbox` says (by default: read-only but `cwd`'s scratch, warn on a degraded machine)."""

    def spawn() -> ReplProcess:
        return ReplProcess(argv, cwd, env, address_space_mb, fsize_mb, sandbox=sandbox)

    return spawn


__all__ = ["HeaderFailed", "PoolLimits", "PoolStats", "ReplError", "ReplPool", "process_spawner"]
