"""Where the shared benchmark data lives (beside the checkout); tests skip when it is absent."""

from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[2] / ".." / "shared" / "benchmarks"
