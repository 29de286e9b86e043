"""miniF2F-rocq: the importer reads every statement, real proofs of a few pass, and each kind of
cheat on them gets the right status; the slow sweep counts the statements that compile."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from coq_cases import LIMITS, PROOFS, minif2f_root

from assay.schemas.records import Status
from assay.verifiers.coq import check, statement_compiles, theorem_name
from assay.verifiers.coq.minif2f import PRELUDE, Problem, load
from assay.verifiers.sandbox import ZygoteSandbox

pytestmark = pytest.mark.benchmarks
DEFAULT_TIER = {"mathd_algebra_141", "mathd_numbertheory_12"}  # the rest run in the slow tier


@pytest.fixture(scope="module")
def problems() -> dict[str, Problem]:
    return {p.id: p for p in load(minif2f_root(), "test")}


def test_the_importer_reads_every_test_statement(problems: dict[str, Problem]) -> None:
    files = sorted((minif2f_root() / "test").glob("*.v"))
    assert len(problems) == len(files) > 0
    assert {Path(p.path).stem for p in problems.values()} == set(problems)
    for p in problems.values():
        assert theorem_name(p.statement) == p.id
        assert "Admitted" not in p.header and "Proof" not in p.statement
        assert p.header.startswith(PRELUDE)


@pytest.mark.parametrize(
    "name", [n if n in DEFAULT_TIER else pytest.param(n, marks=pytest.mark.slow) for n in PROOFS]
)
def test_real_proofs_pass(sandbox: ZygoteSandbox, problems: dict[str, Problem], name: str) -> None:
    p = problems[name]
    got = check(name, p.statement, PROOFS[name], sandbox, LIMITS, p.header)
    assert got.status is Status.PASS, got


@pytest.mark.parametrize(
    ("proof", "status"),
    [
        ("intros y h. admit.", Status.CHEAT),
        ("Admitted.", Status.CHEAT),
        ("Axiom solved : forall y : R, y + 6 + y = 2 * 12 -> y = 9. exact solved.", Status.CHEAT),
        (  # a changed (weaker) statement, restated by the model
            "Theorem mathd_algebra_359 : forall y : R, y = 9 -> y = 9.\nProof. auto. Qed.",
            Status.CHEAT,
        ),
        (PROOFS["mathd_algebra_171"], Status.FAIL),  # the proof of a different theorem
        ("intros y h. nra.", Status.PASS),  # and a second, different real proof
    ],
)
def test_cheats_on_a_benchmark_statement(
    sandbox: ZygoteSandbox, problems: dict[str, Problem], proof: str, status: Status
) -> None:
    p = problems["mathd_algebra_359"]
    got = check(p.id, p.statement, proof, sandbox, LIMITS, p.header)
    assert got.status is status, got


def test_a_few_statements_compile(sandbox: ZygoteSandbox, problems: dict[str, Problem]) -> None:
    for name in ("mathd_numbertheory_12", "aime_1983_p2", "amc12a_2003_p23"):
        ok, log = statement_compiles(
            problems[name].header, problems[name].statement, sandbox, LIMITS
        )
        assert ok, (name, log[-500:])


@pytest.mark.slow
@pytest.mark.timeout(1500)  # 244 coqc runs: about 5 minutes on a busy 2-core machine
def test_count_the_statements_that_compile(
    sandbox: ZygoteSandbox, problems: dict[str, Problem]
) -> None:
    """Every statement upstream compiled (it ships a .vo for it) must compile here too."""
    start = time.perf_counter()
    compiled = {
        name
        for name, p in problems.items()
        if statement_compiles(p.header, p.statement, sandbox, LIMITS)[0]
    }
    shipped = {f.stem for f in (minif2f_root() / "test").glob("*.vo")}
    print(  # shown with -rA: the number the README quotes
        f"miniF2F-rocq test: {len(compiled)}/{len(problems)} statements compile with Coq 8.16 "
        f"({len(shipped)} ship a .vo) in {time.perf_counter() - start:.0f}s"
    )
    assert shipped <= compiled, sorted(shipped - compiled)
