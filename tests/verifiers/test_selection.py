"""Selection strategies on planted pass matrices (rows: solutions, columns: tests)."""

from __future__ import annotations

import math

import pytest

from assay.flows.select.choose import Strategy, choose, rank
from assay.flows.select.strategies import Ranked, b4, codet, codet_paper, majority

T, F = True, False
PLANTED = [[T, T, F], [T, T, F], [F, F, T], [F, F, T], [F, F, T], [F, F, T], [F, F, T]]


def test_codet_paper_scores_agreeing_solutions_times_agreed_tests() -> None:
    ranked = codet_paper(PLANTED)
    assert ranked[:5] == [Ranked(i, 5.0) for i in range(2, 7)]
    assert ranked[5:] == [Ranked(0, 4.0), Ranked(1, 4.0)]
    assert codet_paper([[F, F], [T, F]]) == [Ranked(1, 1.0), Ranked(0, 0.0)]


def test_codet_scores_as_the_official_code_does() -> None:
    """√|S_x|·|S_y|: two solutions agreeing on two tests (2.83) lose to one passing three;
    the paper's |S_x|·|S_y| (4 > 3) keeps the pair."""
    matrix = [[T, T, F], [T, T, F], [T, T, T]]
    assert codet(matrix)[0] == Ranked(2, 3.0)
    assert codet(matrix)[1].score == pytest.approx(2 * math.sqrt(2))
    assert rank("codet", matrix) == [2, 0, 1]
    assert rank("codet-paper", matrix) == [0, 1, 2]


def test_ties_go_by_content_key_not_by_row() -> None:
    assert rank("codet", [[T], [T]]) == [0, 1]
    assert rank("codet", [[T], [T]], keys=["b", "a"]) == [1, 0]
    for strategy in ("codet", "codet-paper", "majority", "b4"):
        assert choose(strategy, [[T], [T], [F]], 1, keys=["z", "y", "a"]) == [1], strategy
    assert choose("all", [[T], [T], [F]], 1, keys=["z", "y", "a"]) == [1, 0]  # keeps every one


def test_rows_that_pass_nothing_are_dropped_before_keep_applies() -> None:
    """B4's top set here is the four rows that pass nothing (it judges the one test wrong);
    cutting to `keep` first would keep nothing although a solution passed."""
    matrix = [[T], [F], [F], [F], [F]]
    assert rank("b4", matrix)[0] != 0 and rank("majority", matrix)[0] != 0
    for strategy in ("codet", "codet-paper", "majority", "b4", "all"):
        assert choose(strategy, matrix, 1) == [0], strategy
    assert choose("codet", [[T, F], [T, T]], 2, eligible=[0]) == [0]
    assert choose("b4", [[F], [F]], 1) == []


def test_majority_groups_identical_outputs() -> None:
    outputs = [("3", "5"), ("4", "5"), ("3", "5"), ("3", "5"), ("4", "5")]
    ranked = majority([[T]] * 5, outputs)
    assert [r.index for r in ranked] == [0, 2, 3, 1, 4]
    assert [r.score for r in ranked] == [3.0, 3.0, 3.0, 2.0, 2.0]
    # Without outputs the pass rows stand in for them.
    assert rank("majority", [[T, F], [F, T], [T, F]]) == [0, 2, 1]


def betaln(a: float, b: float) -> float:
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def test_b4_matches_the_posterior_worked_by_hand() -> None:
    alpha, beta0 = 1e3, 1e4
    (only,) = b4([[T]])
    assert only.index == 0
    assert only.score == pytest.approx(-2 * math.log(1 + alpha) - math.log(beta0))
    # Group A = {0, 1} passes tests {0, 1}; group B = {2} passes test {1}.
    group_a = betaln(2 + alpha, 1) + betaln(2 + alpha, 2) + betaln(2, 2) + betaln(1, beta0)
    group_b = betaln(1 + alpha, 2) + betaln(1 + alpha, 3) + betaln(3, 1) + betaln(3, beta0)
    ranked = b4([[T, T], [T, T], [F, T]], beta_0=beta0, alpha_xy=alpha)
    assert [r.index for r in ranked] == [0, 1, 2]
    assert ranked[0].score == pytest.approx(group_a) and ranked[2].score == pytest.approx(group_b)


def test_b4_and_codet_disagree_where_wrong_solutions_would_share_a_wrong_test() -> None:
    """CodeT takes the agreeing pair {0, 2} (2 x 2 > 1 x 3). If that pair were right, test 1
    would be wrong and yet passed by two wrong solutions (1 and 3), which B4's beta_0 prior
    makes unlikely; so B4 takes solution 3, which passes every test."""
    matrix = [[T, F, T], [F, T, F], [T, F, T], [T, T, T]]
    assert rank("codet-paper", matrix) == [0, 2, 3, 1]
    assert rank("b4", matrix)[0] == 3
    # B4's priors are parameters: a weak beta_0 no longer outweighs the agreeing pair.
    weak = Strategy("b4", beta_0=1.0, alpha_xy=1e3)
    assert rank(weak, matrix)[:2] == [0, 2]


def test_bad_inputs_say_what_is_wrong() -> None:
    with pytest.raises(ValueError, match="ragged"):
        codet([[T, F], [T]])
    with pytest.raises(ValueError, match="unknown selection strategy 'best'"):
        rank("best", PLANTED)
    with pytest.raises(ValueError, match="1 tie-break keys for 2 solutions"):
        codet([[T], [T]], keys=["a"])
    with pytest.raises(ValueError, match="2 output signatures for 3 solutions"):
        majority([[T], [T], [T]], ["a", "b"])
    assert rank("b4", []) == [] and codet([]) == []
