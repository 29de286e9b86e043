"""Reading a program out of a completion parses it: the code flow's requests ask the replica
that answers them to do that (`Request.artefact`, `workers.api.read_out`), so a run's driver
only reads the answers. The candidates are the same either way."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from test_engine_code import _answers, _config

from assay.flows.domains.code import stages as st
from assay.flows.engine.domain_flow import extracted
from assay.flows.sources import load_tasks
from assay.schemas.records import Role
from assay.workers.api import Completion, Request, read_out
from assay.workers.pools import ThreadReplica
from assay.workers.replay import ReplayGenerator


def _requests(tmp_path: Path) -> list[tuple[Role, Request]]:
    config = _config(tmp_path / "data")
    tasks = load_tasks(config)
    return [pair for i, t in enumerate(tasks) for pair in st.first_requests(config, t, i)]


def test_every_code_request_asks_for_its_artefacts_and_pickles(tmp_path: Path) -> None:
    pairs = _requests(tmp_path)
    assert {role for role, _ in pairs} == {Role.SOLVER, Role.TESTER}
    for _, request in pairs:
        assert request.artefact is not None
        back = pickle.loads(pickle.dumps(request))  # as Ray sends it to a replica
        assert back == request and back.artefact is not None


def test_a_replica_reads_out_what_the_driver_would(tmp_path: Path) -> None:
    config = _config(tmp_path / "data")
    answers = _answers(config)
    tasks = {t.id: t for t in load_tasks(config)}
    pairs = _requests(tmp_path)
    replica = ThreadReplica(ReplayGenerator(answers=answers, model="replay"))
    try:
        completions = replica.submit([r for _, r in pairs]).result(timeout=60)
    finally:
        replica.close()
    assert all(c.artefacts is not None for c in completions)
    for (role, request), done in zip(pairs, completions, strict=True):
        task = tasks[request.key.split(":")[0]]
        plain = Completion(done.key, done.texts, done.model)  # as the driver would read it
        here = st.to_candidates(task, role, plain, request.sampling, 0, "", 8)
        there = st.to_candidates(task, role, done, request.sampling, 0, "", 8)
        assert here == there and here  # each request has a usable text


def test_the_driver_does_not_parse_texts_the_replica_read_out(tmp_path: Path) -> None:
    config = _config(tmp_path / "data")
    task = load_tasks(config)[0]
    done = Completion("k", ("raw one", "raw two", "raw three"), "m", artefacts=("a", None, "a"))

    def parse(raw: str) -> str | None:
        raise AssertionError(f"the driver parsed {raw!r}")

    cands = extracted(task, Role.SOLVER, done, parse, {}, 0)
    assert [(c.text, c.raw) for c in cands] == [("a", "raw one")]  # unusable dropped, merged


def test_read_out_leaves_requests_that_ask_nothing() -> None:
    asks = Request("a", (), artefact=str.upper)
    plain = Request("b", ())
    got = read_out([asks, plain], [Completion("a", ("x", "y"), "m"), Completion("b", ("z",), "m")])
    assert [c.artefacts for c in got] == [("X", "Y"), None]


@pytest.mark.parametrize("texts", [("```python\ndef f(:\n```",), ("no code at all",)])
def test_an_unusable_text_reads_out_as_none(tmp_path: Path, texts: tuple[str, ...]) -> None:
    _, request = _requests(tmp_path)[0]
    got = read_out([request], [Completion(request.key, texts, "m")])
    assert got[0].artefacts == (None,)
