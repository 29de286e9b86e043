"""Every domain's run, SIGKILLed mid-run and run again, ends with the rows of an uninterrupted run
of the same config: a kill loses nothing, and nothing is published twice.

Each run is `killable.py` (the domain's planted generator, real verifiers, `Compute.local`) in a
process of its own, killed with SIGKILL (no handler runs; a commit batch being written is cut off)
once the dataset holds chosen commits: right after the run recorded its start (before any stage
output), and once a third and two thirds of the uninterrupted run's stage commits are
published. The default tier kills each domain's run once, a third of the way in; the slow tier
kills a fresh dataset once at every point, and one dataset at every point in turn (each time
in the next invocation, the second right after it starts again).
"""

from __future__ import annotations

import json
import math
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import killable
import pytest

from assay.schemas.query import query

KILLABLE = Path(killable.__file__)
ROOT = Path(__file__).resolve().parents[2]
VIEWS = ("tasks", "candidates", "verdict_history", "verdicts", "samples")
RAW = ("tasks", "candidates", "verdicts", "samples")  # `runs`: each invocation records itself
VERDICTS = ("verdict_history", "verdicts")  # every distinct verdict; the one that counts
VARIES = dict.fromkeys(VERDICTS, "committed_at, duration_s")  # when; how long a check took
RACE = re.compile(r"threads=([0-9]+) repeat=[0-9]+: ")  # a translation's result under N threads
BOOKKEEPING = ("tasks/", "run/", "done/")  # commit keys that are no stage's output
RUN_TIMEOUT_S = 240.0
TOOLS = {"code": "python3", "verilog": "iverilog", "proofs": "coqc", "translation": "g++"}
TOOLS["code-ties"] = "python3"  # several alike solutions and testers: only content keys decide
TOOLS["code-dart"] = "python3"  # dart waves: the budget's grants are decided alike after a kill
STREAMED = {"code-stream": "code", "code-dart-stream": "code-dart"}  # tasks read on every pass


def _domain(name: str) -> object:
    """A domain parameter, skipped where its checker's toolchain is missing."""
    missing = shutil.which(TOOLS[name]) is None
    skip = pytest.mark.skipif(missing, reason=f"{TOOLS[name]} is not installed")
    return pytest.param(name, marks=skip, id=name)


DOMAINS = [_domain(d) for d in TOOLS]


@dataclass(frozen=True)
class KillPoint:
    """Kill invocation number `start` (1 = the first) once it has recorded its start and
    `share` of the uninterrupted run's stage commits are published."""

    name: str
    share: float
    start: int = 1

    def reached(self, keys: set[str], whole: int) -> bool:
        started = sum(k.startswith("run/") for k in keys)
        return started >= self.start and len(_stages(keys)) >= math.ceil(self.share * whole)


MIDWAY = KillPoint("a-third-in", 1 / 3)
POINTS = [KillPoint("before-generation", 0.0), MIDWAY, KillPoint("two-thirds-in", 2 / 3)]


def _published(dataset: Path) -> set[str]:
    """Every published commit key (a folder is renamed into place with its manifest in it)."""
    keys: set[str] = set()
    for manifest in (dataset / "commits").glob("*/manifest.json"):
        try:
            data = json.loads(manifest.read_text())
        except FileNotFoundError:
            continue
        keys.update(data.get("keys") or [data["key"]])
    return keys


def _stages(keys: set[str]) -> set[str]:
    return {k for k in keys if not k.startswith(BOOKKEEPING)}


def _settled(view: str, row: dict[str, Any]) -> tuple[str, ...]:
    """`row` less what two runs of one config legitimately differ in: a check's timings (evidence
    keys in seconds, `*_s`), and what a data race computed (a translation that fails only under
    several threads reports whichever thread count, repeat and sum the race happened to give)."""
    if view in VERDICTS:
        evidence = json.loads(row["evidence"] or "{}")
        for key in [k for k in evidence if k.endswith("_s")]:
            del evidence[key]
        mismatches = evidence.get("mismatches")  # translation: per driver; verilog: a count
        for name, seen in mismatches.items() if isinstance(mismatches, dict) else ():
            if seen.get("threads", 1) > 1:
                mismatches[name] = "a race"
        row["evidence"] = json.dumps(evidence, sort_keys=True)
        for outcome in row["outcomes"] or []:
            race = RACE.match(outcome["detail"] or "")
            if race and int(race.group(1)) > 1:
                outcome["detail"] = "a race"
    return tuple(str(v) for v in row.values())


def _tables(dataset: Path) -> dict[str, list[tuple[str, ...]]]:
    """Every row of every view, less when it was committed and what legitimately varies
    (`_settled`); the run id stays: it is the config's hash, the same for both datasets."""
    out = {}
    for view in VIEWS:
        skip = VARIES.get(view, "committed_at")
        rows = query(dataset, f"SELECT * EXCLUDE ({skip}) FROM {view}").to_pylist()
        out[view] = sorted(_settled(view, row) for row in rows)
    return out


def _raw_counts(dataset: Path) -> dict[str, int]:
    """Rows as published, repeats included: a key published twice would show here."""
    return {
        t: query(dataset, f"SELECT count(*) AS n FROM raw_{t}").to_pylist()[0]["n"] for t in RAW
    }


def _spawn(domain: str, dataset: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, str(KILLABLE), domain, str(dataset)],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _complete(domain: str, dataset: Path, log: Path) -> None:
    """Run the domain's flow on `dataset` to its end, in a child process."""
    proc = _spawn(domain, dataset, log)
    try:
        rc = proc.wait(timeout=RUN_TIMEOUT_S)
    finally:
        proc.kill()
    assert rc == 0, f"the run failed (rc {rc}):\n{log.read_text()[-4000:]}"


def _kill_at(
    domain: str, dataset: Path, log: Path, reached: Callable[[set[str]], bool]
) -> set[str]:
    """Start the domain's flow on `dataset` and SIGKILL it once `reached(published keys)`; the
    keys published when it died."""
    proc = _spawn(domain, dataset, log)
    deadline = time.monotonic() + RUN_TIMEOUT_S
    try:
        while not reached(_published(dataset)):
            rc = proc.poll()
            assert rc is None, (
                f"the run ended (rc {rc}) before its kill point:\n{log.read_text()[-4000:]}"
            )
            assert time.monotonic() < deadline, "the run never reached its kill point"
            time.sleep(0.005)  # polling the manifests, not waiting for an outcome
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        proc.kill()
    return _published(dataset)


@dataclass(frozen=True)
class Whole:
    """An uninterrupted run's dataset and what it published."""

    dataset: Path
    keys: set[str]
    tables: dict[str, list[tuple[str, ...]]]
    raw: dict[str, int]


@pytest.fixture(scope="module")
def whole(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], Whole]]:
    """The uninterrupted run of each domain, run once, in this process (the same steps as the
    child's, without its start-up)."""
    runs: dict[str, Whole] = {}

    def get(domain: str) -> Whole:
        if domain not in runs:
            dataset = tmp_path_factory.mktemp(f"whole-{domain}") / "ds"
            assert killable.run(domain, dataset)["state"] == "completed"
            keys = _published(dataset)
            assert any(k.startswith("done/") for k in keys)
            runs[domain] = Whole(dataset, keys, _tables(dataset), _raw_counts(dataset))
        return runs[domain]

    yield get


def _assert_left_work(dataset: Path, keys: set[str], ref: Whole) -> None:
    """The kill landed mid-run: what it published is a strict part of the whole run's stages."""
    assert _stages(keys) < _stages(ref.keys), sorted(_stages(keys) - _stages(ref.keys))
    assert not any(k.startswith("done/") for k in keys)
    rows = sum(len(r) for r in _tables(dataset).values())
    assert rows < sum(len(r) for r in ref.tables.values())


def _assert_same_as(dataset: Path, ref: Whole) -> None:
    """The same stage commits, the same rows (view by view), each published once."""
    keys = _published(dataset)
    assert _stages(keys) == _stages(ref.keys)
    assert any(k.startswith("done/") for k in keys)
    tables = _tables(dataset)
    for view in VIEWS:
        assert tables[view] == ref.tables[view], view
    assert _raw_counts(dataset) == ref.raw


def _killed_then_resumed(domain: str, dataset: Path, points: list[KillPoint], ref: Whole) -> None:
    """Kill `dataset`'s run at each point in turn (the n-th in the n-th invocation, each a
    resume of the last), check every kill left work, then run it to its end."""
    log = dataset.parent / "log"
    stages = len(_stages(ref.keys))
    for point in points:
        keys = _kill_at(domain, dataset, log, lambda k, p=point: p.reached(k, stages))
        _assert_left_work(dataset, keys, ref)
    _complete(domain, dataset, log)
    _assert_same_as(dataset, ref)


@pytest.mark.parametrize("domain", DOMAINS)
def test_a_run_killed_mid_run_resumes_to_the_uninterrupted_rows(
    tmp_path: Path, domain: str, whole: Callable[[str], Whole]
) -> None:
    """Killed a third of the way through its stage commits (some stages of some tasks done,
    checks and generation in flight), then resumed."""
    _killed_then_resumed(domain, tmp_path / "ds", [MIDWAY], whole(domain))


def _generated_not_checked(keys: set[str]) -> bool:
    """Some task's candidates are published and their checks are not."""
    done = {tuple(k.split("/")[2:4]) for k in keys if k.startswith("verify/")}
    return any(tuple(k.split("/")[2:4]) not in done for k in keys if k.startswith("gen/"))


def test_a_run_with_ties_killed_between_generation_and_checks_keeps_the_same_samples(
    tmp_path: Path, whole: Callable[[str], Whole]
) -> None:
    """Alike solutions and several testers, killed once some task's candidates are committed
    and not yet checked: the resumed run holds them in the order it reads them back, and still
    builds the same test pool and keeps the same samples as the uninterrupted run."""
    ref = whole("code-ties")
    dataset = tmp_path / "ds"
    log = tmp_path / "log"
    keys = _kill_at("code-ties", dataset, log, _generated_not_checked)
    _assert_left_work(dataset, keys, ref)
    _complete("code-ties", dataset, log)
    _assert_same_as(dataset, ref)


@pytest.mark.slow
@pytest.mark.parametrize("point", POINTS, ids=[p.name for p in POINTS])
@pytest.mark.parametrize("domain", DOMAINS)
def test_a_run_killed_once_resumes_to_the_uninterrupted_rows(
    tmp_path: Path, domain: str, point: KillPoint, whole: Callable[[str], Whole]
) -> None:
    """Killed once at `point`, then resumed."""
    _killed_then_resumed(domain, tmp_path / "ds", [point], whole(domain))


@pytest.mark.slow
@pytest.mark.parametrize("domain", DOMAINS)
def test_a_run_killed_again_and_again_resumes_to_the_uninterrupted_rows(
    tmp_path: Path, domain: str, whole: Callable[[str], Whole]
) -> None:
    """Killed right after it records its start, its resume killed the same way, the next
    resumes a third and two thirds of the way through, then resumed to its end."""
    chain = [POINTS[0], KillPoint("again-before-generation", 0.0, 2)]
    chain += [KillPoint(p.name, p.share, n) for n, p in enumerate(POINTS[1:], 3)]
    _killed_then_resumed(domain, tmp_path / "ds", chain, whole(domain))


@pytest.mark.parametrize("domain", list(STREAMED))
def test_a_streamed_run_commits_the_rows_of_a_held_one_and_resumes_to_them(
    tmp_path: Path, domain: str, whole: Callable[[str], Whole]
) -> None:
    """Tasks read from their source on every pass (`engine.tasks_in_memory: 0`) commit the
    rows that tasks held as a list do, and a streamed run killed mid-run resumes to them."""
    ref, held = whole(domain), whole(STREAMED[domain])
    assert ref.tables == held.tables and ref.raw == held.raw
    assert _stages(ref.keys) == _stages(held.keys)
    _killed_then_resumed(domain, tmp_path / "ds", [MIDWAY], ref)
