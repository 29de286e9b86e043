"""The translation flow (MuSL) on real parts: the real `translation` verifier (gcc, OpenMP, ASan
in the sandbox), the real store, the DuckDB views, resume by run id.

In the default tier the model's answers are planted (`translation_flow_cases`); every check
is the production one. The slow test runs `assay run` on the real SmolLM2-135M.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from small_model_run import run_small_model
from translation_flow_cases import (
    DEGENERATE_DRIVER,
    GOOD,
    GOOD_DRIVER,
    MISSING_REDUCTION,
    SECOND_DRIVER,
    PlantedGenerator,
)

from assay.flows.config import ConfigError, RunConfig, load_config
from assay.flows.dataset import query
from assay.flows.domains import get
from assay.flows.domains.translation import flow as tf
from assay.flows.domains.translation import stages as ts
from assay.flows.domains.translation.state import TranslationState
from assay.flows.engine.compute import Compute
from assay.flows.engine.rounds import pending, run_programs
from assay.flows.progress import Progress
from assay.flows.roles import get_role
from assay.flows.seeds import load_seed_tasks
from assay.flows.sources import TaskFileError
from assay.schemas.records import Task

pytestmark = pytest.mark.skipif(shutil.which("g++") is None, reason="g++ is not installed")


def _config(dataset: Path, rounds: int = 2) -> RunConfig:
    return load_config(
        None,
        [
            "domain=translation",
            f"dataset={dataset}",
            "tasks=[{seed: translation, limit: 1}]",
            "solver.n=2",
            "tester.n=2",
            "repair.n=1",
            f"translation.rounds={rounds}",
            "verify={limits: {wall_s: 10, cpu_s: 10, memory_mb: 1024}, pool: 1}",
        ],
    )


def _run(config: RunConfig, planted: PlantedGenerator) -> TranslationState:
    state = tf.open_state(config)
    assert isinstance(state, TranslationState)
    name, options = tf.verifier(config)
    with Compute.local(planted, name, state.limits, options, jobs=1) as compute:
        run_programs(state, tf, compute, Progress(quiet=True))
    return state


def _sql(dataset: Path, sql: str) -> list[dict]:
    return query(dataset, sql).to_pylist()


@pytest.fixture(scope="module")
def run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, PlantedGenerator, TranslationState]:
    dataset = tmp_path_factory.mktemp("translation") / "ds"
    planted = PlantedGenerator()
    return dataset, planted, _run(_config(dataset), planted)


def test_tests_are_validated_on_the_source_and_degenerate_ones_rejected(run) -> None:
    dataset, _, state = run
    rows = _sql(dataset, "SELECT round, driver, accepted, reason FROM translation_tests")
    got = {(r["round"], r["driver"].strip(), r["accepted"]) for r in rows}
    assert got == {
        (0, GOOD_DRIVER.strip(), True),
        (0, DEGENERATE_DRIVER.strip(), False),
        (1, SECOND_DRIVER.strip(), True),
    }
    reason = next(r["reason"] for r in rows if not r["accepted"])
    assert reason.startswith("degenerate") and "1 elements" in reason
    assert not pending(state, tf)


def test_correct_translation_is_kept_and_the_missing_reduction_is_not(run) -> None:
    dataset, planted, _ = run
    rows = _sql(dataset, "SELECT * FROM translation_attempts ORDER BY round")
    assert [(r["round"], r["translation"].strip(), r["status"]) for r in rows] == [
        (0, MISSING_REDUCTION.strip(), "fail"),
        (1, GOOD.strip(), "pass"),
    ]
    assert rows[1]["parent_id"] == rows[0]["candidate_id"]  # a repair of the racy one
    assert rows[0]["tests_total"] == 2  # the trusted driver and the validated model driver
    # The repair prompt showed the racy code and where its results differed (threads > 1).
    repair = next(p for p in planted.prompts if "This OpenMP translation is wrong" in p)
    assert MISSING_REDUCTION.strip() in repair and "threads:" in repair
    # The round-1 tester was shown the rejected driver and the verifier's reason.
    tester = next(p for p in planted.prompts if "This earlier driver was rejected" in p)
    assert DEGENERATE_DRIVER.strip() in tester and "degenerate" in tester

    samples = _sql(dataset, "SELECT strategy, prompt, response, tests FROM samples")
    by = {(s["strategy"], s["response"].strip()): s for s in samples}
    assert set(by) == {
        ("translator", GOOD.strip()),
        ("tester", GOOD_DRIVER.strip()),
        ("tester", SECOND_DRIVER.strip()),
    }
    source = load_seed_tasks("translation")[0].reference
    assert all(s["prompt"] == source for s in samples)
    # The translator row carries every driver it passed: trusted, and both validated ones.
    ran = [t.strip() for t in by[("translator", GOOD.strip())]["tests"]]
    assert len(ran) == 3 and {GOOD_DRIVER.strip(), SECOND_DRIVER.strip()} <= set(ran)
    assert [t.strip() for t in by[("tester", GOOD_DRIVER.strip())]["tests"]] == [GOOD.strip()]


def test_round_metrics_are_views(run) -> None:
    dataset, _, state = run
    rows = _sql(dataset, "SELECT * FROM translation_rounds ORDER BY round")
    assert [
        (r["round"], r["translations"], r["passed"], r["pass_at_1"], r["tasks_solved"])
        for r in rows
    ] == [(0, 1, 0, 0.0, 0), (1, 1, 1, 1.0, 1)]
    assert [(r["tests"], r["tests_accepted"], r["acceptance_rate"]) for r in rows] == [
        (2, 1, 0.5),
        (1, 1, 1.0),
    ]
    assert rows[1]["solved_rate"] == 1.0
    summary = state.finish()
    assert (summary["translations"], summary["translations_pass"]) == (2, 1)
    assert (summary["drivers"], summary["drivers_accepted"]) == (3, 2)


def test_a_rerun_commits_nothing(run) -> None:
    dataset, _, _ = run
    commits = sorted(p.name for p in (dataset / "commits").iterdir())
    again = PlantedGenerator()
    state = _run(_config(dataset), again)
    assert not pending(state, tf) and again.prompts == []
    assert sorted(p.name for p in (dataset / "commits").iterdir()) == commits


def test_config_and_roles() -> None:
    cfg = load_config(None, ["domain=translation"])
    assert cfg.translation.rounds == 2 and cfg.tasks[0].seed == "translation"
    assert cfg.id != load_config(None, ["domain=translation", "translation.rounds=3"]).id
    assert load_config(None, []).id == load_config(None, ["translation.rounds=3"]).id
    with pytest.raises(ConfigError, match=r"translation\.rounds"):
        load_config(None, ["domain=translation", "translation.rounds=0"])
    with pytest.raises(ConfigError, match="does not fit domain"):
        load_config(None, ["domain=code", "tasks=[{file: x, format: pareval}]"])
    task = load_seed_tasks("translation")[0]
    got = get_role("translation", "translator").extract(f"```cpp\n{GOOD}```", task)
    assert got is not None and "reduction" in got
    assert get_role("translation", "tester").extract("no code here", task) is None
    serial = f"```cpp\n{task.reference}```"  # the source copied back is no translation
    assert get_role("translation", "translator").extract(serial, task) is None
    with pytest.raises(ts.TranslationTaskError, match="serial source"):
        ts.check_tasks([Task("translation", "x", "t", "p")])
    with pytest.raises(TaskFileError, match="serial source"):
        tf.check_tasks([Task("translation", "x", "t", "p")], cfg)


@pytest.mark.slow
def test_assay_run_on_the_small_real_model(tmp_path: Path) -> None:
    """`assay run` end to end: real SmolLM2-135M, real Ray, real Prefect, one task, n=1."""
    done, dataset = run_small_model(
        tmp_path,
        "domain: translation\ntasks: [{seed: translation, limit: 1}]\n"
        "solver: {n: 1, max_tokens: 160}\ntester: {n: 1, max_tokens: 160}\n"
        "repair: {n: 1, max_tokens: 160}\ntranslation: {rounds: 1}\n"
        "verify: {pool: 1, limits: {wall_s: 10, cpu_s: 10, memory_mb: 1024}}\n",
        n_ctx=2048,
    )
    assert "translations" in done.stdout and str(dataset) in done.stdout
    cands = _sql(dataset, "SELECT role, count(*) AS n FROM candidates GROUP BY role")
    judged = _sql(dataset, "SELECT count(*) AS n FROM translation_attempts")[0]["n"]
    tests = _sql(dataset, "SELECT count(*) AS n FROM translation_tests")[0]["n"]
    by_role = {r["role"]: r["n"] for r in cands}
    assert judged == by_role.get("translator", 0)  # every extracted translation has a verdict
    assert tests == by_role.get("tester", 0)  # every extracted driver was validated
    assert judged + tests >= 1, done.stdout  # verdicts were committed (zero may pass)
    rounds = _sql(dataset, "SELECT * FROM translation_rounds")
    assert sum(r["translations"] for r in rounds) == judged


def test_pareval_tasks_import_and_runner_dispatch(tmp_path: Path) -> None:
    from assay.flows.runner import flow_for

    root = Path(__file__).resolve().parents[2].parent / "shared" / "benchmarks" / "pareval"
    cfg = load_config(None, ["domain=translation"])
    assert get(cfg.domain).flow() is tf and "pareval" in get(cfg.domain).formats
    assert flow_for(cfg).name == "assay-translation"
    assert tf.verifier(cfg) == (ts.VERIFIER, None)
    with pytest.raises(TaskFileError, match="not ParEval"):
        tf.load(tmp_path, "pareval")
    if not root.is_dir():
        pytest.skip(f"ParEval not found at {root}")
    tasks = tf.load(root, "pareval")
    assert len(tasks) == 60 and len({t.id for t in tasks}) == 60
    first = tasks[0]
    assert first.domain == "translation" and first.tests and first.entry_point in first.reference
    item = ts.check_item(first, first.reference, ts.trusted_tests(first), "x")
    assert item["prelude"] and item["header"].rstrip().endswith(";")
