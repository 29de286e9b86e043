"""Choosing solutions from a pass matrix when the tests themselves may be wrong.

`matrix[i][j]` is True when solution i passed test j. Every strategy groups solutions into
consensus sets, scores each set, and returns every solution with its set's score, best first.
Ties are broken by a content key of each solution (its candidate id) when the caller gives
`keys`, else by row index: a run and its resumption hold the same candidates in different
orders, and must still choose the same ones.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import TypeVar

PassRows = Sequence[Sequence[bool]]
K = TypeVar("K", bound=Hashable)
B4_BETA_0 = 1e4  # the smallest of ZJU-CTAG/B4's sweep (1e4, 1e5, 1e6)
B4_ALPHA_XY = 1e3  # ZJU-CTAG/B4's only value


@dataclass(frozen=True)
class Ranked:
    index: int  # the solution's row in the matrix
    score: float


def _rows(matrix: PassRows) -> list[tuple[bool, ...]]:
    rows = [tuple(bool(v) for v in row) for row in matrix]
    if rows and len({len(r) for r in rows}) != 1:
        raise ValueError("the pass matrix is ragged: give every solution one flag per test")
    return rows


def _groups(keys: Sequence[K]) -> dict[K, list[int]]:
    groups: dict[K, list[int]] = {}
    for i, key in enumerate(keys):
        groups.setdefault(key, []).append(i)
    return groups


def _ranked(scores: dict[int, float], keys: Sequence[str] | None) -> list[Ranked]:
    if keys is not None and len(keys) != len(scores):
        raise ValueError(f"{len(keys)} tie-break keys for {len(scores)} solutions")
    tie = (lambda i: (keys[i], i)) if keys is not None else (lambda i: ("", i))
    return [Ranked(i, s) for i, s in sorted(scores.items(), key=lambda kv: (-kv[1], tie(kv[0])))]


def _agreement(matrix: PassRows, keys: Sequence[str] | None, weight) -> list[Ranked]:
    scores: dict[int, float] = {}
    for layout, members in _groups(_rows(matrix)).items():
        for i in members:
            scores[i] = float(weight(len(members)) * sum(layout))
    return _ranked(scores, keys)


def codet(matrix: PassRows, keys: Sequence[str] | None = None) -> list[Ranked]:
    """CodeT dual agreement as its official code scores it (microsoft/CodeT, and ZJU-CTAG/B4's
    CodeT baseline): solutions that pass exactly the same tests form a consensus set
    S = (S_x, S_y), scored √|S_x| · |S_y|. The square root keeps many copies of one behaviour
    from outweighing a behaviour that agrees with more tests."""
    return _agreement(matrix, keys, math.sqrt)


def codet_paper(matrix: PassRows, keys: Sequence[str] | None = None) -> list[Ranked]:
    """CodeT's score as the paper writes it (Chen et al. 2022, eq. 1): f(S) = |S_x| · |S_y|."""
    return _agreement(matrix, keys, float)


def majority(
    matrix: PassRows, outputs: Sequence[Hashable] | None = None, keys: Sequence[str] | None = None
) -> list[Ranked]:
    """Majority vote (MBR-exec style): solutions with identical outputs on the shared inputs
    vote together; a set's score is its size. `outputs[i]` is solution i's output signature
    (e.g. a tuple of its results on every input); without outputs, the pass row stands in."""
    rows = _rows(matrix)
    votes: Sequence[Hashable] = rows if outputs is None else outputs
    if len(votes) != len(rows):
        raise ValueError(f"{len(votes)} output signatures for {len(rows)} solutions")
    scores: dict[int, float] = {}
    for members in _groups(votes).values():
        for i in members:
            scores[i] = float(len(members))
    return _ranked(scores, keys)


def _log_beta_bernoulli(ones: int, n: int, alpha: float = 1.0, beta: float = 1.0) -> float:
    """log B(ones + alpha, n - ones + beta): a Bernoulli likelihood under a Beta prior."""
    a, b = ones + alpha, n - ones + beta
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def b4(
    matrix: PassRows,
    beta_0: float = B4_BETA_0,
    alpha_xy: float = B4_ALPHA_XY,
    keys: Sequence[str] | None = None,
) -> list[Ranked]:
    """B4 (Chen et al., ASE 2024, "B4: Towards Optimal Assessment of Plausible Code Solutions
    with Plausible Tests").

    A consensus set guesses which solutions are correct (x: the set) and which tests are
    correct (y: the tests the set passes). With N solutions, M tests and E the matrix, its score
    is the log posterior
        log B(Σy + α_xy, M − Σy + 1) + log B(Σx + α_xy, N − Σx + 1)
      + log B(ΣE₁ + 1, |E₁| − ΣE₁ + 1) + log B(ΣE₀ + 1, |E₀| − ΣE₀ + β₀),
    where E₁ = E[x = 0, y = 1] (wrong solutions on right tests) and E₀ = E[x = 0, y = 0] (wrong
    solutions on wrong tests; the large β₀ says they rarely pass together).
    """
    rows = _rows(matrix)
    n, m = len(rows), len(rows[0]) if rows else 0
    column_sums = [sum(row[j] for row in rows) for j in range(m)]
    scores: dict[int, float] = {}
    for layout, members in _groups(rows).items():
        # Passes by solutions outside the set: every pass of the column less the set's own.
        outside = [column_sums[j] - (len(members) if layout[j] else 0) for j in range(m)]
        right = sum(layout)
        e1 = sum(outside[j] for j in range(m) if layout[j])
        e0 = sum(outside[j] for j in range(m) if not layout[j])
        others = n - len(members)
        score = (
            _log_beta_bernoulli(right, m, alpha=alpha_xy)
            + _log_beta_bernoulli(len(members), n, alpha=alpha_xy)
            + _log_beta_bernoulli(e1, others * right)
            + _log_beta_bernoulli(e0, others * (m - right), beta=beta_0)
        )
        for i in members:
            scores[i] = score
    return _ranked(scores, keys)
