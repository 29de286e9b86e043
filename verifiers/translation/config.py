"""How hard a translation is pushed: thread counts, repeats, tolerances, degeneracy bar."""

from __future__ import annotations

from dataclasses import dataclass

ASAN_ADDRESS_SPACE_MB = 64 * 1024 * 1024  # 64 TiB: ASan reserves its shadow memory up front


@dataclass(frozen=True)
class TranslationConfig:
    """Validated when built; pass it in, never read a global."""

    threads: tuple[int, ...] = (1, 2, 4, 8)  # OMP_NUM_THREADS values every OpenMP test runs at
    repeats: int = 3  # runs per thread count (races show up as run-to-run differences)
    rtol: float = 1e-9  # doubles: |a - b| <= atol + rtol * max(|a|, |b|)
    rtol_single: float = 1e-4  # floats (recorded as single precision)
    atol: float = 1e-12
    min_elements: int = 256  # a test whose largest container is smaller is degenerate
    cxx_std: str = "c++17"
    opt: str = "-O2"
    compile_wall_s: float = 120.0  # per build call (all of a candidate's units and links)
    compile_memory_mb: int = 4096
    sanitizer_rss_mb: int = 2048  # ASan's own RSS cap (RLIMIT_AS must be lifted for its shadow)
    sanitizer_slowdown: float = 4.0  # the sanitized run gets this many times the time limits
    output_mb: int = 32  # largest binary / results file read back from the sandbox
    gpu: bool = False  # True only inside a GPU worker: CUDA translations are then run

    def __post_init__(self) -> None:
        if not self.threads or any(t < 1 or t > 64 for t in self.threads):
            raise ValueError(f"TranslationConfig.threads must be 1..64 each, got {self.threads!r}")
        for name in ("repeats", "min_elements", "compile_memory_mb", "sanitizer_rss_mb"):
            if getattr(self, name) < 1:
                raise ValueError(f"TranslationConfig.{name} must be >= 1")
        if min(self.rtol, self.rtol_single, self.atol) < 0:
            raise ValueError("TranslationConfig.rtol, rtol_single and atol must be >= 0")
        if self.sanitizer_slowdown < 1:
            raise ValueError("TranslationConfig.sanitizer_slowdown must be >= 1")
        if self.compile_wall_s <= 0 or self.output_mb <= 0:
            raise ValueError("TranslationConfig.compile_wall_s and output_mb must be > 0")
        if self.opt not in ("-O0", "-O1", "-O2", "-O3"):
            raise ValueError(f"TranslationConfig.opt must be -O0..-O3, got {self.opt!r}")
