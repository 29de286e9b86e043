"""Which solutions a task keeps: rank by a strategy, filter, then cut to `keep`.

Filtering comes before the cut. A consensus set can top the ranking while passing nothing (B4
does when it judges every test wrong; so can majority); cutting first would then keep nothing
although some solution passed. So the ranking is walked best first, solutions that are not
eligible or pass no test are skipped, and the first `keep` that remain are kept: when the top
set passes nothing, the next set that passes something is chosen.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from assay.flows.select.strategies import B4_ALPHA_XY, B4_BETA_0, PassRows, b4, codet, codet_paper
from assay.flows.select.strategies import majority as majority_vote

STRATEGIES = ("codet", "codet-paper", "majority", "b4", "all")


@dataclass(frozen=True)
class Strategy:
    """A selection strategy and its parameters (`select` in the run config)."""

    name: str = "codet"
    beta_0: float = B4_BETA_0  # B4 only
    alpha_xy: float = B4_ALPHA_XY  # B4 only

    def __post_init__(self) -> None:
        if self.name not in STRATEGIES:
            raise ValueError(
                f"unknown selection strategy {self.name!r}; use one of {list(STRATEGIES)}"
            )


def rank(
    strategy: str | Strategy,
    matrix: PassRows,
    outputs: Sequence[Hashable] | None = None,
    keys: Sequence[str] | None = None,
) -> list[int]:
    """Solution indices, best first; ties by `keys` (content keys), else by index. `all` ranks
    every solution alike, so it orders by the keys alone."""
    s = strategy if isinstance(strategy, Strategy) else Strategy(strategy)
    if s.name == "all":
        order = range(len(matrix))
        return sorted(order, key=lambda i: (keys[i], i)) if keys is not None else list(order)
    if s.name == "b4":
        ranked = b4(matrix, beta_0=s.beta_0, alpha_xy=s.alpha_xy, keys=keys)
    elif s.name == "majority":
        ranked = majority_vote(matrix, outputs, keys=keys)
    else:
        ranked = (codet if s.name == "codet" else codet_paper)(matrix, keys=keys)
    return [r.index for r in ranked]


def choose(
    strategy: str | Strategy,
    matrix: PassRows,
    keep: int,
    eligible: Sequence[int] | None = None,
    outputs: Sequence[Hashable] | None = None,
    keys: Sequence[str] | None = None,
) -> list[int]:
    """The kept solutions, best first: ranked, then only the eligible ones (all, if None) that
    pass at least one test, then at most `keep` of them (every one with strategy `all`)."""
    s = strategy if isinstance(strategy, Strategy) else Strategy(strategy)
    allowed = set(range(len(matrix))) if eligible is None else set(eligible)
    order = [i for i in rank(s, matrix, outputs, keys) if i in allowed and any(matrix[i])]
    return order if s.name == "all" else order[:keep]
