"""assay's selection strategies against reference implementations written here from the papers'
definitions, on generated pass matrices; and the choice is the same under any order of
solutions and tests.

The references enumerate consensus sets the way the papers define them (a set of tests S_y and
the solutions that pass exactly S_y) and score them cell by cell, with none of the grouping or
column sums the strategies use.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

import pytest

from assay.flows.config import load_config
from assay.flows.domains.code.pool import Matrix, build_pool
from assay.flows.domains.code.stages import select_samples
from assay.flows.select.choose import choose
from assay.flows.select.strategies import B4_ALPHA_XY, B4_BETA_0, b4, codet, codet_paper, majority
from assay.schemas.records import Candidate, Outcome, Role, Status, Task, Verdict

Grid = list[list[bool]]
MATRICES = 3000


def _matrices(count: int, seed: int = 7) -> list[Grid]:
    """Small matrices of every shape, with repeated rows (ties between and within sets)."""
    rng = random.Random(seed)
    out: list[Grid] = []
    for _ in range(count):
        n, m, density = rng.randint(1, 9), rng.randint(0, 6), rng.random()
        distinct = [[rng.random() < density for _ in range(m)] for _ in range(rng.randint(1, n))]
        out.append([list(rng.choice(distinct)) for _ in range(n)])
    return out


def _consensus_sets(grid: Grid) -> list[tuple[frozenset[int], frozenset[int]]]:
    """(S_x, S_y): for each set of tests some solution passes exactly, the solutions that do."""
    passes = [frozenset(j for j, ok in enumerate(row) if ok) for row in grid]
    return [
        (frozenset(i for i, p in enumerate(passes) if p == tests), tests) for tests in set(passes)
    ]


def _log_beta(a: float, b: float) -> float:
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def ref_codet_official(grid: Grid) -> dict[frozenset[int], float]:
    return {sx: math.sqrt(len(sx)) * len(sy) for sx, sy in _consensus_sets(grid)}


def ref_codet_paper(grid: Grid) -> dict[frozenset[int], float]:
    return {sx: float(len(sx) * len(sy)) for sx, sy in _consensus_sets(grid)}


def ref_majority(grid: Grid) -> dict[frozenset[int], float]:
    return {sx: float(len(sx)) for sx, _ in _consensus_sets(grid)}


def ref_b4(grid: Grid, beta_0: float = B4_BETA_0, alpha: float = B4_ALPHA_XY) -> dict:
    """The posterior of x (solutions judged right) and y (tests judged right), B4 eq. 4-9:
    Beta-Bernoulli likelihoods of y, x, E[x=0, y=1] and E[x=0, y=0] (prior β₀ on the last)."""
    n, m = len(grid), len(grid[0])
    out = {}
    for sx, sy in _consensus_sets(grid):
        e1 = [grid[i][j] for i in range(n) for j in range(m) if i not in sx and j in sy]
        e0 = [grid[i][j] for i in range(n) for j in range(m) if i not in sx and j not in sy]
        out[sx] = (
            _log_beta(len(sy) + alpha, m - len(sy) + 1)
            + _log_beta(len(sx) + alpha, n - len(sx) + 1)
            + _log_beta(sum(e1) + 1, len(e1) - sum(e1) + 1)
            + _log_beta(sum(e0) + 1, len(e0) - sum(e0) + beta_0)
        )
    return out


def _top(scores: dict[int, float] | dict[frozenset[int], float]) -> set[int]:
    """Every solution in a best-scoring set (several sets can tie)."""
    best = max(scores.values())
    top: set[int] = set()
    for key, score in scores.items():
        if math.isclose(score, best, rel_tol=1e-12, abs_tol=1e-9):
            top |= key if isinstance(key, frozenset) else {key}
    return top


CASES: list[tuple[str, Callable, Callable]] = [
    ("codet", codet, ref_codet_official),
    ("codet-paper", codet_paper, ref_codet_paper),
    ("majority", majority, ref_majority),
    ("b4", b4, ref_b4),
]


@pytest.mark.parametrize(("name", "strategy", "reference"), CASES, ids=[c[0] for c in CASES])
def test_each_strategy_picks_the_references_top_set(name, strategy, reference) -> None:
    for grid in _matrices(MATRICES):
        if not grid[0]:
            continue  # no tests: no consensus to score
        ranked = strategy(grid)
        ours = {r.index: r.score for r in ranked}
        theirs = reference(grid)
        assert _top(ours) == _top(theirs), (name, grid)
        for sx, score in theirs.items():  # every solution carries its set's score
            assert all(ours[i] == pytest.approx(score, rel=1e-9, abs=1e-9) for i in sx)


@pytest.mark.parametrize("name", ["codet", "codet-paper", "majority", "b4", "all"])
def test_any_order_of_solutions_and_tests_chooses_the_same_candidates(name: str) -> None:
    rng = random.Random(11)
    for grid in _matrices(600, seed=3):
        ids = [f"cand-{rng.getrandbits(32):08x}-{i}" for i in range(len(grid))]
        keep = rng.randint(1, 3)
        chosen = [ids[i] for i in choose(name, grid, keep, keys=ids)]
        for _ in range(3):
            rows = rng.sample(range(len(grid)), len(grid))
            cols = rng.sample(range(len(grid[0])), len(grid[0]))
            shuffled = [[grid[i][j] for j in cols] for i in rows]
            keys = [ids[i] for i in rows]
            assert [keys[i] for i in choose(name, shuffled, keep, keys=keys)] == chosen


TASK = Task(
    "code", "seed", "double", "def double(x):\n", "double", tests=("assert double(1) == 2",)
)


def _testers(texts: list[str]) -> list[Candidate]:
    return [Candidate(TASK.id, Role.TESTER, text) for text in texts]


def test_the_test_pool_is_the_same_whichever_tester_came_first() -> None:
    texts = [
        "assert double(2) == 4\nassert double(0) == 0",
        "assert double(0) == 0\nassert double(-1) == -2",
        "assert double(1) == 2\nassert double(5) == 10",  # restates a trusted test
    ]
    pools = [build_pool(TASK, _testers(order), None) for order in (texts, texts[::-1])]
    pools.append(build_pool(TASK, _testers([texts[1], texts[2], texts[0]]), None))
    assert len({p.id for p in pools}) == 1
    assert len({tuple(p.codes) for p in pools}) == 1
    assert pools[0].codes[0] == TASK.tests[0]  # trusted first
    assert len({p.tests for p in pools}) == 1  # the same tests, origins included


def _verdict(cand: Candidate, flags: list[bool], pool_id: str) -> Verdict:
    outcomes = tuple(
        Outcome(f"t{j}", Status.PASS if ok else Status.FAIL) for j, ok in enumerate(flags)
    )
    status = Status.PASS if all(flags) else Status.FAIL
    return Verdict(cand.id, "python", status, sum(flags), len(flags), outcomes, against=pool_id)


@pytest.mark.parametrize("strategy", ["codet", "b4", "majority"])
def test_the_code_flow_keeps_the_same_samples_in_any_order(strategy: str, tmp_path) -> None:
    """Three alike solutions that pass everything, one that fails a test: the kept samples
    are the same for every order the solutions and testers arrive in."""
    config = load_config(
        None, [f"dataset={tmp_path}", f"select.strategy={strategy}", "select.keep=2"]
    )
    testers = _testers(["assert double(2) == 4", "assert double(3) == 6"])
    rows = {"a": [True] * 3, "b": [True] * 3, "c": [True] * 3, "d": [True, False, True]}
    sols = [
        Candidate(TASK.id, Role.SOLVER, f"def double(x):\n    return x * 2  # {k}") for k in rows
    ]
    flags = dict(zip((c.id for c in sols), rows.values(), strict=True))
    kept = set()
    rng = random.Random(5)
    for _ in range(6):
        pool = build_pool(TASK, rng.sample(testers, 2), None)
        order = rng.sample(sols, len(sols))
        matrix = Matrix(pool, order, [_verdict(c, flags[c.id], pool.id) for c in order])
        samples = select_samples(config, TASK, matrix, "run")
        kept.add(tuple(s.candidate_id for s in samples))
    assert len(kept) == 1
    (chosen,) = kept
    assert len(chosen) == 2 and flags[chosen[0]] == [True] * 3
    assert list(chosen) == sorted(c.id for c in sols if all(flags[c.id]))[:2]
