"""`assay verify` stamps a verdict's `config_hash` as a run does: the same item checked from the
command line and by a run's engine hashes alike (the verifier's options and the run's limits)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from assay.flows.cli import app
from assay.flows.config import RunConfig, load_config
from assay.flows.domains import get
from assay.flows.engine.compute import Compute
from assay.flows.engine.rounds import run_programs
from assay.flows.engine.steps import Check
from assay.flows.progress import Progress
from assay.flows.seeds import load_seed_tasks
from assay.flows.verify_setup import check_limits
from assay.schemas.query import query
from assay.workers.replay import ReplayGenerator

TASK = load_seed_tasks("code")[0]


def _config(tmp: Path, text: str) -> tuple[Path, RunConfig]:
    path = tmp / "run.yaml"
    path.write_text(text)
    return path, load_config(path)


def _cli(tmp: Path, name: str, item: dict[str, Any], *args: str) -> dict[str, Any]:
    source, out = tmp / "in.jsonl", tmp / "out.jsonl"
    source.write_text(json.dumps(item) + "\n")
    got = CliRunner().invoke(app, ["verify", name, "-i", str(source), "-o", str(out), *args])
    assert got.exit_code == 0, got.output
    return json.loads(out.read_text())


def test_a_python_check_hashes_alike_from_the_cli_and_from_a_run(tmp_path: Path) -> None:
    tasks = tmp_path / "tasks.jsonl"
    keys = ("name", "prompt", "entry_point", "reference")
    tasks.write_text(json.dumps({**{k: getattr(TASK, k) for k in keys}, "tests": list(TASK.tests)}))
    path, config = _config(
        tmp_path,
        f"dataset: {tmp_path / 'ds'}\ntasks: [{{file: {tasks}}}]\nsolver: {{n: 1}}\n"
        "tester: {n: 0}\nrepair: {rounds: 0}\nstore: {compact: false}\n",
    )
    parts = get("code").flow()
    state = parts.open_state(config)
    answers = {f"{t.id}:solver": [f"```python\n{t.reference}\n```"] for t in state.tasks}
    with Compute.local(ReplayGenerator(answers), "python", state.limits) as compute:
        run_programs(state, parts, compute, Progress(quiet=True))
    state.finish()
    run = query(config.dataset, "SELECT DISTINCT config_hash FROM verdicts").column(0)
    item = {"id": "x", "code": TASK.reference, "tests": list(TASK.tests),
            "entry_point": TASK.entry_point}  # fmt: skip
    with_config = _cli(tmp_path, "python", item, "--config", str(path))
    assert with_config["status"] == "pass"
    assert run.to_pylist() == [with_config["config_hash"]]
    assert _cli(tmp_path, "python", item)["config_hash"] == with_config["config_hash"]  # defaults
    other = _cli(tmp_path, "python", item, "--timeout", "7")["config_hash"]
    assert other != with_config["config_hash"]  # the limits are part of it


def test_a_lean_check_hashes_its_options_alike_from_the_cli_and_the_engine(
    tmp_path: Path,
) -> None:
    path, config = _config(
        tmp_path, "domain: proofs\nproofs: {backend: lean, lean: {strict: true}}\n"
    )
    name, options = get("proofs").flow().verifier(config)
    assert name == "lean" and options  # a run builds Lean from its proofs.lean section
    item = {"id": "p", "statement": "theorem one : 1 = 1 := sorry", "proof": "rfl"}
    answered: list[Any] = []
    with Compute.local(ReplayGenerator(), name, check_limits(config), options) as compute:
        compute.submit(Check([item]), answered.extend)
        while not answered:
            assert compute.step()
    engine = answered[0].config_hash
    assert _cli(tmp_path, "lean", item, "--config", str(path))["config_hash"] == engine
    assert _cli(tmp_path, "lean", item, "--strict")["config_hash"] == engine  # flags: the same


def test_a_config_whose_run_uses_another_verifier_is_refused(tmp_path: Path) -> None:
    path, _ = _config(tmp_path, "domain: code\n")
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "p", "statement": "theorem t : True", "proof": "t"}) + "\n")
    got = CliRunner().invoke(app, ["verify", "lean", "-i", str(source), "--config", str(path)])
    assert got.exit_code == 2
    assert "checks with 'python', not 'lean'" in got.output
