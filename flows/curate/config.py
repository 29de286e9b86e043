"""The `curate:` section: what a curation pass removes and how it labels difficulty.

Not part of the run id: curation decides which committed samples are released, never what a run
commits, so changing it re-curates the same data.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from assay.schemas.records import DIFFICULTY_EASY, DIFFICULTY_HARD


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NearDedupConfig(_Strict):
    """MinHash LSH over word n-gram shingles; BigCode's choice for code by default."""

    enabled: bool = True
    threshold: float = Field(default=0.7, gt=0, le=1)  # Jaccard at or above: a near duplicate
    num_perm: int = Field(default=256, ge=16, le=1024)
    ngram: int = Field(default=5, ge=1)  # words per shingle
    bands: int = Field(default=32, ge=1)  # LSH bands; num_perm / bands rows each

    @model_validator(mode="after")
    def _bands_divide(self) -> NearDedupConfig:
        if self.num_perm % self.bands:
            raise ValueError(f"bands ({self.bands}) must divide num_perm ({self.num_perm})")
        return self


class BenchmarkSet(_Strict):
    """A benchmark to keep out of the data, in a format assay imports."""

    file: Path
    format: str  # a registered task format: humaneval, mbpp, apps, verilogeval, ...
    name: str = ""  # how decisions name it; default: the file's name

    @model_validator(mode="after")
    def _readable(self) -> BenchmarkSet:
        from assay.flows.domains import DOMAINS

        known = sorted(f for d in DOMAINS.values() for f in d.formats)
        if self.format not in known:
            raise ValueError(
                f"format {self.format!r} is not a benchmark format; use one of {known}"
            )
        if not self.file.exists():
            raise ValueError(f"benchmark file {self.file} does not exist")
        return self


class DecontamConfig(_Strict):
    """StarCoder/OpenThoughts-style rules: a sample is contaminated if its prompt or response
    contains (lowercased, whitespace collapsed) a benchmark prompt or solution of at least
    `min_chars`, or holds at least `ngram_share` of a benchmark item's word `ngram`-grams; a
    Verilog prompt also when its ROUGE-L against a benchmark spec exceeds `rouge_l` (CodeV-R1)."""

    benchmarks: list[BenchmarkSet] = Field(default_factory=list)
    min_chars: int = Field(default=50, ge=1)
    ngram: int = Field(default=13, ge=1)
    ngram_share: float = Field(default=0.5, gt=0, le=1)
    rouge_l: float = Field(default=0.5, gt=0, le=1)


class DifficultyConfig(_Strict):
    """KodCode's thresholds on a task's sampled pass rate (defaults from `schemas.records`, which
    the `difficulty` view also uses before any pass; after one, the view uses the pass's)."""

    easy: float = Field(default=DIFFICULTY_EASY, gt=0, le=1)  # at or above: easy
    hard: float = Field(default=DIFFICULTY_HARD, gt=0, le=1)  # below: hard; none passed: unsolved

    @model_validator(mode="after")
    def _ordered(self) -> DifficultyConfig:
        if self.hard > self.easy:
            raise ValueError(f"hard ({self.hard}) must not be above easy ({self.easy})")
        return self

    def label(self, passes: int, attempts: int) -> str:
        if passes == 0:
            return "unsolved"
        rate = passes / attempts
        return "easy" if rate >= self.easy else "hard" if rate < self.hard else "medium"


class CurateConfig(_Strict):
    enabled: bool = True  # run a curation pass at the end of every run
    exact: bool = True  # drop exact duplicates (per-domain normalized text)
    near: NearDedupConfig = Field(default_factory=NearDedupConfig)
    decontaminate: DecontamConfig = Field(default_factory=DecontamConfig)
    difficulty: DifficultyConfig = Field(default_factory=DifficultyConfig)
    # DuckDB's memory for a pass (its sorts and joins spill past it to the store's staging
    # folder); the pass itself holds a batch of problems' rows at a time
    memory_mb: int = Field(default=1024, ge=64)
