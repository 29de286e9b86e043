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
