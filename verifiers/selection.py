"""Choosing solutions from a pass matrix when the tests themselves may be wrong.

`matrix[i][j]` is True when solution i passed test j. Every strategy groups solutions into
consensus sets, scores each set, and returns every solution with its set's score, best first
(ties by index, so the order is the same on every run).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import TypeVar

Matrix = Sequence[Sequence[bool]]
K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Ranked:
    index: int  # the solution's row in the matrix
    score: float


def _rows(matrix: Matrix) -> list[tuple[bool, ...]]:
    rows = [tuple(bool(v) for v in row) for row in matrix]
    if rows and len({len(r) for r in rows}) != 1:
        raise ValueError("the pass matrix is ragged: give every solution one flag per test")
    return rows


def _groups(keys: Sequence[K]) -> dict[K, list[int]]:
    groups: dict[K, list[int]] = {}
    for i, key in enumerate(keys):
        groups.setdefault(key, []).append(i)
    return groups


def _ranked(scores: dict[int, float]) -> list[Ranked]:
    return [Ranked(i, s) for i, s in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))]


def codet(matrix: Matrix) -> list[Ranked]:
    """CodeT dual agreement (Chen et al. 2022, "CodeT: Code Generation with Generated Tests").

    Solutions that pass exactly the same tests form a consensus set S = (S_x, S_y); its score is
    f(S) = |S_x| · |S_y|: how many solutions agree, times how many tests they agree on.
    """
    rows = _rows(matrix)
    scores: dict[int, float] = {}
    for layout, members in _groups(rows).items():
        for i in members:
            scores[i] = float(len(members) * sum(layout))
    return _ranked(scores)


def majority(matrix: Matrix, outputs: Sequence[Hashable] | None = None) -> list[Ranked]:
    """Majority vote (MBR-exec style): solutions with identical outputs on the shared inputs
    vote together; a set's score is its size. `outputs[i]` is solution i's output signature
    (e.g. a tuple of its results on every input); without outputs, the pass row stands in."""
    rows = _rows(matrix)
    keys: Sequence[Hashable] = rows if outputs is None else outputs
    if len(keys) != len(rows):
        raise ValueError(f"{len(keys)} output signatures for {len(rows)} solutions")
    scores: dict[int, float] = {}
    for members in _groups(keys).values():
        for i in members:
            scores[i] = float(len(members))
    return _ranked(scores)


def _log_beta_bernoulli(ones: int, n: int, alpha: float = 1.0, beta: float = 1.0) -> float:
    """log B(ones + alpha, n - ones + beta): a Bernoulli likelihood under a Beta prior."""
    a, b = ones + alpha, n - ones + beta
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def b4(matrix: Matrix, beta_0: float = 1e4, alpha_xy: float = 1e3) -> list[Ranked]:
    """B4 (Chen et al., ASE 2024, "B4: Towards Optimal Assessment of Plausible Code Solutions
    with Plausible Tests"; ZJU-CTAG/B4 `strategy.py`).

    A consensus set guesses which solutions are correct (x: the set) and which tests are
    correct (y: the tests the set passes). With N solutions, M tests and E the matrix, its score
    is the log posterior
        log B(Σy + α_xy, M − Σy + 1) + log B(Σx + α_xy, N − Σx + 1)
      + log B(ΣE₁ + 1, |E₁| − ΣE₁ + 1) + log B(ΣE₀ + 1, |E₀| − ΣE₀ + β₀),
    where E₁ = E[x = 0, y = 1] (wrong solutions on right tests) and E₀ = E[x = 0, y = 0] (wrong
    solutions on wrong tests; the large β₀ says they rarely pass together). Defaults are the
    paper's α_xy = 1e3 and the smallest β₀ of its sweep (1e4, 1e5, 1e6).
    """
    rows = _rows(matrix)
    n, m = len(rows), len(rows[0]) if rows else 0
    scores: dict[int, float] = {}
    for layout, members in _groups(rows).items():
        inside = set(members)
        others = [rows[i] for i in range(n) if i not in inside]
        right = [j for j in range(m) if layout[j]]
        wrong = [j for j in range(m) if not layout[j]]
        e1 = sum(row[j] for row in others for j in right)
        e0 = sum(row[j] for row in others for j in wrong)
        score = (
            _log_beta_bernoulli(len(right), m, alpha=alpha_xy)
            + _log_beta_bernoulli(len(members), n, alpha=alpha_xy)
            + _log_beta_bernoulli(e1, len(others) * len(right))
            + _log_beta_bernoulli(e0, len(others) * len(wrong), beta=beta_0)
        )
        for i in members:
            scores[i] = score
    return _ranked(scores)


STRATEGIES = {"codet": codet, "majority": majority, "b4": b4}


def rank(strategy: str, matrix: Matrix, outputs: Sequence[Hashable] | None = None) -> list[int]:
    """Solution indices, best first, by the named strategy ("codet", "majority", "b4")."""
    if strategy not in STRATEGIES:
        raise ValueError(
            f"unknown selection strategy {strategy!r}; use one of {sorted(STRATEGIES)}"
        )
    if strategy == "majority":
        return [r.index for r in majority(matrix, outputs)]
    return [r.index for r in STRATEGIES[strategy](matrix)]
