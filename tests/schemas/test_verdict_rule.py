"""Which verdict counts when a candidate was checked more than once (views.sql, `verdicts`):
newest verifier version, decided over undecided, never a pass over a later decided failure,
then the strongest tier, then the newest commit."""

from __future__ import annotations

from pathlib import Path

import pytest

from assay.schemas.query import query
from assay.schemas.records import TIERS, Candidate, Role, Status, Task, Verdict
from assay.schemas.store import Store
from assay.verifiers.batch import config_hash, stamped
from assay.verifiers.sandbox import Limits

TASK = Task("code", "test", "t", "write f")
CAND = Candidate(TASK.id, Role.SOLVER, "def f(): pass")
SHORT, LONG = Limits(wall_s=5, cpu_s=5), Limits(wall_s=10, cpu_s=10)


def _verdict(
    status: Status, tier: str = "tests", version: int = 1, limits: Limits = SHORT
) -> Verdict:
    return Verdict(
        CAND.id,
        "python",
        status,
        against="pool:x",
        task_id=TASK.id,
        tier=tier,
        verifier_version=version,
        config_hash=config_hash("python", {}, limits),
    )


def _counts(tmp_path: Path, *commits: Verdict) -> tuple[str, str]:
    """Commit each verdict in turn (one commit each, in order); the counting verdict's status
    and tier."""
    store = Store(tmp_path / "ds")
    store.commit("t", {"tasks": [TASK], "candidates": [CAND]})
    for i, verdict in enumerate(commits):
        store.commit(f"v{i}", {"verdicts": [verdict]})
    rows = query(store.root, "SELECT status, tier FROM verdicts").to_pylist()
    assert len(rows) == 1
    return rows[0]["status"], rows[0]["tier"]


@pytest.mark.parametrize(
    ("commits", "counts"),
    [
        # the same verdict committed twice is one verdict
        ([_verdict(Status.PASS), _verdict(Status.PASS)], ("pass", "tests")),
        # a check that timed out under 5 s, rerun under 10 s: the rerun counts
        ([_verdict(Status.TIMEOUT), _verdict(Status.PASS, limits=LONG)], ("pass", "tests")),
        # an earlier pass, a later failure under other limits: fail-closed
        ([_verdict(Status.PASS), _verdict(Status.FAIL, limits=LONG)], ("fail", "tests")),
        # a fixed verifier (version 2) re-judges: its verdict counts, whichever came first
        ([_verdict(Status.PASS, version=2), _verdict(Status.FAIL)], ("pass", "tests")),
        ([_verdict(Status.FAIL), _verdict(Status.PASS, version=2)], ("pass", "tests")),
        # a later check that could not decide (the sandbox broke) does not hide a decided one
        ([_verdict(Status.PASS), _verdict(Status.ERROR, limits=LONG)], ("pass", "tests")),
        # the stronger tier counts over an older weaker one...
        (
            [_verdict(Status.PASS, "simulation"), _verdict(Status.FAIL, "formal")],
            ("fail", "formal"),
        ),
        (
            [_verdict(Status.FAIL, "simulation"), _verdict(Status.PASS, "formal")],
            ("pass", "formal"),
        ),
        # ...but never an older pass over a newer decided failure
        (
            [_verdict(Status.PASS, "formal"), _verdict(Status.FAIL, "simulation")],
            ("fail", "simulation"),
        ),
    ],
)
def test_the_counting_verdict(tmp_path: Path, commits: list[Verdict], counts: tuple) -> None:
    assert _counts(tmp_path, *commits) == counts


def test_a_verdict_id_holds_its_tier_version_and_config() -> None:
    base = _verdict(Status.PASS)
    others = [
        _verdict(Status.PASS, tier="formal"),
        _verdict(Status.PASS, version=2),
        _verdict(Status.PASS, limits=LONG),
    ]
    assert len({base.id, *(v.id for v in others)}) == 4
    assert _verdict(Status.PASS).id == base.id  # the same check again is the same verdict


def test_stamping_fills_what_the_verifier_left_out() -> None:
    class Checker:
        name, tier, version = "python", "tests", 3

    raw = Verdict(CAND.id, "python", Status.PASS)
    out = stamped(raw, Checker(), {"x": 1}, SHORT)
    assert (out.tier, out.verifier_version) == ("tests", 3)
    assert (
        out.config_hash
        == config_hash("python", {"x": 1}, SHORT)
        != config_hash("python", {}, SHORT)
    )
    assert (
        stamped(Verdict(CAND.id, "v", Status.PASS, tier="formal"), Checker(), {}, SHORT).tier
        == "formal"
    )


def test_the_views_rank_tiers_in_the_order_records_declares() -> None:
    sql = (Path(__file__).resolve().parents[2] / "schemas" / "views.sql").read_text()
    assert "[" + ", ".join(f"'{t}'" for t in TIERS) + "]" in sql


def test_an_unknown_tier_is_refused_on_write(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="verdict tier"):
        Store(tmp_path / "ds").commit("v", {"verdicts": [_verdict(Status.PASS, tier="vibes")]})
