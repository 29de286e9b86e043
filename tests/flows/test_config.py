"""Run config: YAML validation with errors naming file and field, overrides, stable run ids."""

from pathlib import Path

import pytest

from assay.flows.config import ConfigError, load_config

EXAMPLE = Path(__file__).parents[2] / "examples" / "code.yaml"


def test_example_config_loads_and_overrides_apply() -> None:
    cfg = load_config(EXAMPLE, ["solver.n=2", "generator.model=smollm2-135m"])
    assert cfg.solver.n == 2
    assert cfg.generator.model == "smollm2-135m"
    assert cfg.tasks[0].seed == "code"


def test_embedded_defaults_need_no_file() -> None:
    cfg = load_config(None)
    assert cfg.generator.backend == "local"
    assert cfg.tasks[0].seed == "code"


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("solver:\n  n: 0\n", "solver.n"),
        ("solver:\n  nn: 3\n", "solver.nn"),
        ("select:\n  strategy: best\n", "select.strategy"),
        ("tasks:\n  - {seed: code, file: x.jsonl}\n", "tasks.0"),
        ("verify:\n  limits: {wall_s: -1}\n", "verify.limits.wall_s"),
        ("domain: verilog\nverilog:\n  sim: {cycles: 0}\n", "verilog.sim.cycles"),
    ],
)
def test_bad_config_names_file_and_field(tmp_path: Path, text: str, field: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    message = str(err.value)
    assert str(path) in message
    assert f"field {field}" in message


def test_not_yaml_and_missing_file_are_clear(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("solver: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "missing.yaml")
    with pytest.raises(ConfigError, match=r"section\.field=value"):
        load_config(None, ["solver.n"])


def test_run_id_ignores_where_it_runs_but_not_what_it_makes() -> None:
    base = load_config(EXAMPLE)
    moved = load_config(EXAMPLE, ["dataset=/elsewhere", "ray.address=auto", "verify.pool=7"])
    changed = load_config(EXAMPLE, ["solver.temperature=0.2"])
    assert base.id == moved.id
    assert base.id != changed.id


# Run ids computed before domain sections came from the registry (RunConfig declared the
# verilog, proofs and translation sections itself): the same config keeps its id.
IDS_BEFORE_REGISTRY_SECTIONS = [
    ([], "df5929c6f0f8b75e82d59d2f"),
    (["domain=verilog"], "e39057f93da12df0113e0b6a"),
    (["domain=verilog", "verilog.formal=true", "verilog.sim.episodes=3",
      "verilog.roundtrip.enabled=true"], "1869fb8bded04974531c6169"),
    (["domain=verilog", "verilog.formal=true", "verilog.require_proof=true",
      "verilog.sim.deep_episodes=2"], "9ed68c9953fd042bc0db342a"),
    (["domain=proofs"], "855913285b1ae9c22be66367"),
    (["domain=proofs", "proofs.backend=lean", "proofs.lean.project=/tmp/x"],
     "bffb44f85227162016d0e5c6"),
    (["domain=proofs", "proofs.conjecture.enabled=true"], "9c36d7a29416265571834a43"),
    (["domain=translation"], "46d2861b18c50f58c1762471"),
    (["domain=translation", "translation.rounds=3"], "c24f96ad6a96f4be36f0c4d1"),
    (["domain=code", "verilog.formal=true", "proofs.backend=lean"], "df5929c6f0f8b75e82d59d2f"),
    (["domain=code", "solver.n=2", "tester.labels.when=untested"], "c9310434ea088bf6f0c94b79"),
]  # fmt: skip


@pytest.mark.parametrize(("overrides", "run_id"), IDS_BEFORE_REGISTRY_SECTIONS)
def test_domain_sections_from_the_registry_keep_run_ids(overrides: list[str], run_id: str) -> None:
    assert load_config(None, overrides).id == run_id


def test_a_saved_config_reads_back_with_its_domain_section_and_id(tmp_path: Path) -> None:
    from assay.flows.config import dump_config

    cfg = load_config(None, ["domain=verilog", "verilog.formal=true", "proofs.backend=lean"])
    saved = tmp_path / "run.yaml"
    saved.write_text(dump_config(cfg))
    again = load_config(saved)
    assert again.id == cfg.id and again.verilog.formal and again.proofs.backend == "lean"


def test_a_key_no_domain_registers_is_refused_naming_it() -> None:
    with pytest.raises(ConfigError, match="field verilogg: Extra inputs are not permitted"):
        load_config(None, ["verilogg.formal=true"])


def test_the_fixed_sampling_policy_keeps_run_ids_and_dart_is_validated() -> None:
    assert load_config(None, ["solver.policy=fixed"]).id == "df5929c6f0f8b75e82d59d2f"
    assert load_config(None, ["solver.policy=fixed", "solver.k=3"]).id == "df5929c6f0f8b75e82d59d2f"
    dart = load_config(None, ["solver.policy=dart"])
    assert dart.id != "df5929c6f0f8b75e82d59d2f" and dart.solver.cap == 8 * dart.solver.n
    assert load_config(None, ["solver.policy=dart", "solver.k=2"]).id != dart.id
    with pytest.raises(ConfigError, match="max_n"):
        load_config(None, ["solver.policy=dart", "solver.n=4", "solver.max_n=2"])
    saved = load_config(None, ["solver.policy=dart", "solver.budget=99"])
    from assay.flows.config import dump_config

    assert "policy: dart" in dump_config(saved) and "policy" not in dump_config(load_config(None))
