"""How hard the differential simulation pushes: episodes, cycles, reset rate, X handling."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SimConfig:
    """Stimulus plan for one check. Validated when built; pass it in, never read a global."""

    episodes: int = 8  # each starts with a reset phase (cycling through reset combinations)
    cycles: int = 250  # random cycles per episode after its reset phase
    reset_cycles: int = 2  # cycles the episode's reset combination is held
    reset_rate: float = 1 / 32  # chance per random cycle that each reset input is asserted
    seed: int | None = None  # None: derived from the candidate and reference (reproducible)
    x_is_dont_care: bool = True  # reference bits that are X match anything (VerilogEval's rule)
    compile_args: tuple[str, ...] = ("-g2012",)  # iverilog language flags
    timescale: str = "1ps/1ps"  # fixed for every file; candidates cannot change it
    # Deep episodes (clocked designs): one reset, then inputs held and changed rarely, as long
    # as the reference's counters and compared constants need (`depth.py`), within the budget.
    deep_episodes: int = 4  # 0: random episodes only
    deep_cycles: int = 250  # shortest deep episode
    deep_budget: int = 100_000  # most cycles all deep episodes take together; in cycles, not
    # seconds, so that a verdict does not depend on the machine's speed

    def __post_init__(self) -> None:
        for name in ("episodes", "cycles"):
            if getattr(self, name) <= 0:
                raise ValueError(f"SimConfig.{name} must be > 0, got {getattr(self, name)!r}")
        if self.deep_episodes < 0 or self.deep_cycles <= 0:
            raise ValueError(
                "SimConfig.deep_episodes must be >= 0 and deep_cycles > 0, got "
                f"{self.deep_episodes!r} and {self.deep_cycles!r}"
            )
        if self.deep_budget < self.deep_episodes * self.deep_cycles:
            raise ValueError(
                f"SimConfig.deep_budget ({self.deep_budget!r}) must cover deep_episodes x "
                f"deep_cycles ({self.deep_episodes * self.deep_cycles})"
            )
        if self.reset_cycles < 0:
            raise ValueError(f"SimConfig.reset_cycles must be >= 0, got {self.reset_cycles!r}")
        if not 0.0 <= self.reset_rate <= 1.0:
            raise ValueError(f"SimConfig.reset_rate must be within [0, 1], got {self.reset_rate!r}")
        if self.seed is not None and not 0 <= self.seed < 2**31:
            raise ValueError(f"SimConfig.seed must be within [0, 2**31), got {self.seed!r}")
        if "/" not in self.timescale:
            raise ValueError(
                f"SimConfig.timescale must look like '1ps/1ps', got {self.timescale!r}"
            )


@dataclass(frozen=True)
class FormalConfig:
    """The optional yosys tier, run only after the simulation passed (it is slower)."""

    depth: int = 30  # most time steps of the bounded check / induction for clocked designs
    wall_s: float = 60.0  # limit for the whole yosys run; running out is `inconclusive`
    memory_mb: int = 4096
    synth: bool = True  # `synth` + `check -assert` on the candidate (lint_error on failure)
    undef: bool = True  # -enable_undef -set-def-inputs; False only to show yosys's X hole
    require_proof: bool = False  # inconclusive (no proof, no counterexample) → not_verified

    def __post_init__(self) -> None:
        if not 1 <= self.depth <= 1000:
            raise ValueError(f"FormalConfig.depth must be within [1, 1000], got {self.depth!r}")
        if self.wall_s <= 0 or self.memory_mb <= 0:
            raise ValueError("FormalConfig.wall_s and memory_mb must be > 0")
