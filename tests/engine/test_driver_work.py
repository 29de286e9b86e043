"""Nothing of a run's work runs in the driver: the proofs flow's conjecture filter (screen and
compile, then the negation) reaches the verifier workers through the check lane like every
other check, so on Ray it runs in the verifier actors' sandboxes, never in the driver."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "flows"))
from proof_cases import PlantedGenerator, config

from assay.flows.domains.proofs import flow
from assay.flows.domains.proofs.state import ProofState
from assay.flows.engine.compute import Compute
from assay.flows.engine.lanes import CheckLane, GenerationLane
from assay.flows.engine.rounds import run_programs
from assay.flows.progress import Progress
from assay.schemas.query import query
from assay.workers.pools import ThreadChecker, ThreadReplica

pytestmark = pytest.mark.skipif(
    subprocess.run(["which", "coqc"], capture_output=True).returncode != 0,
    reason="needs coqc (apt-get install -y coq)",
)


class Recording(ThreadChecker):
    """A verifier worker that notes which verifier each call it gets is for."""

    def __init__(self, seen: list[str]) -> None:
        super().__init__()
        self.seen = seen

    def submit(self, payload: Any) -> Future:
        self.seen.append(payload[0])
        return super().submit(payload)


def test_conjecture_checks_go_through_the_check_lane(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = ProofState.open(config(tmp_path, conjecture=True))
    opened: list[str] = []
    import assay.verifiers.sandbox as sandbox

    real = sandbox.open_sandbox

    def counted(*args: Any, **kwargs: Any) -> Any:  # any sandbox opened outside a worker
        opened.append("driver")
        return real(*args, **kwargs)

    seen: list[str] = []
    checkers = [Recording(seen) for _ in range(2)]
    name, options = flow.verifier(state.config)
    generation = GenerationLane([ThreadReplica(PlantedGenerator(state.tasks))], 32, 1)
    compute = Compute(generation, CheckLane(checkers, state.limits), name, options)
    monkeypatch.setattr(sandbox, "open_sandbox", counted)
    try:
        run_programs(state, flow, compute, Progress(quiet=True))
    finally:
        compute.close()
    assert "coq-statement" in seen and "coq" in seen
    assert len(opened) <= len(checkers)  # one sandbox per worker, none for the driver's own use
    rows = query(
        tmp_path, "SELECT status, against FROM verdicts WHERE verifier = 'coq-statement'"
    ).to_pylist()
    assert rows and all(r["against"] == "compiles" for r in rows)
    assert {r["status"] for r in rows} >= {"pass"}
