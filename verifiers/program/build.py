"""Compile once, in the sandbox, under the compiler's own limits; keep the result for the run.

A compiler is fed model-written source, so it runs like any candidate: in the sandbox, with a
time, resident-memory, file-size and output limit (template and `#include` bombs exist). The
build (its files, or why it failed) is cached by (language, toolchain version, source hash),
so every test and every re-check of the same program reuses it, and a new compiler rebuilds.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace

from assay.verifiers.program.languages import LANGUAGES, argv, source_name, toolchain
from assay.verifiers.python.check import compile_error
from assay.verifiers.sandbox import Limits, Sandbox

# The compiler's limits: javac and go need threads and far more than a program's memory.
COMPILE = Limits(
    wall_s=60, cpu_s=60, memory_mb=2048, nproc=256, fsize_mb=64, nofile=512, output_bytes=64 * 1024
)
KEPT = 512  # builds cached per process (least recently used go first)


@dataclass(frozen=True)
class Build:
    """A program ready to run (`files` into each test's scratch), or why not (`error`)."""

    language: str
    toolchain: str
    files: dict[str, bytes] = field(default_factory=dict)
    error: str = ""  # compiler output when it failed; empty when the build is good
    seconds: float = 0.0  # how long the compiler ran
    memory_limit: str = ""  # what bounded the compiler's memory

    @property
    def ok(self) -> bool:
        return not self.error


class BuildCache:
    """Builds by (language, toolchain version, source hash); safe across verifier threads (one
    build per key at a time: a second thread waiting for the same program reuses the first's)."""

    def __init__(self, kept: int = KEPT, limits: Limits = COMPILE) -> None:
        self.kept = kept
        self.limits = limits
        self.hits = 0
        self.builds = 0
        self._cache: OrderedDict[tuple[str, str, str], Build] = OrderedDict()
        self._locks: dict[tuple[str, str, str], threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, language: str, code: str, sandbox: Sandbox) -> tuple[Build, bool]:
        """The build of `code`, and whether it came from the cache."""
        key = (language, toolchain(language), hashlib.sha256(code.encode()).hexdigest())
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            with self._lock:
                if key in self._cache:
                    self._cache.move_to_end(key)
                    self.hits += 1
                    return self._cache[key], True
            built = compile_program(language, code, sandbox, self.limits)
            with self._lock:
                self.builds += 1
                self._cache[key] = built
                while len(self._cache) > self.kept:
                    old, _ = self._cache.popitem(last=False)
                    self._locks.pop(old, None)
        return built, False


def compile_program(language: str, code: str, sandbox: Sandbox, limits: Limits) -> Build:
    """Build `code` in the sandbox: its runnable files, or the compiler's complaint."""
    lang = LANGUAGES[language]
    version = toolchain(language)
    src = source_name(lang, code)
    files = {src: code.encode()}
    if language == "python":  # compiled here, never run: as the Python checks do
        tail = compile_error(code, src)
        return Build(language, version, {} if tail else files, tail)
    if not lang.compile:
        return Build(language, version, files)
    ex = sandbox.run_command(
        argv(lang.compile, lang, code, limits.memory_mb, 0),
        files,
        limits,
        collect=lang.outputs,
        resident=True,
    )
    base = Build(language, version, seconds=ex.duration_s, memory_limit=ex.memory_limit)
    output = (ex.stderr + ex.stdout).decode(errors="replace").strip()
    why = (
        f"the compiler ran out of time ({limits.cpu_s:g}s)" if ex.timed_out
        else f"the compiler ran out of memory ({limits.memory_mb} MiB)" if ex.memory_exceeded
        else f"the compiler exited {ex.exit_code} (signal {ex.signal})" if ex.exit_code != 0
        else "the compiler made nothing to run" if lang.outputs and not ex.files
        else ""
    )  # fmt: skip
    if why:
        return replace(base, error=f"{why}\n{output[-3000:]}".strip())
    # What runs: the compiler's outputs, or the checked source itself (javascript).
    return replace(base, files=dict(ex.files) if lang.outputs else files)
