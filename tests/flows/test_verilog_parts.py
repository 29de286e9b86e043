"""Verilog flow parts: RTL roles and extraction, the VerilogEval importer, config, and the seeds.

The completions imitate what small instruct models really return (prose, drafts, VerilogEval v1's
`top_module`, output cut at max_tokens). Seed references are checked with the real verifier.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from assay.flows.config import ConfigError, load_config
from assay.flows.domains.verilog import stages as vs
from assay.flows.domains.verilog.extract import extract_rtl, extract_spec
from assay.flows.domains.verilog.flow import check_tasks, load
from assay.flows.roles import get_role
from assay.flows.roles.rtl import failure_report, module_header
from assay.flows.seeds import load_seed_tasks, seed_domains
from assay.flows.sources import TaskFileError, load_tasks
from assay.schemas.records import Status, Task, Verdict
from assay.verifiers.sandbox import Limits, open_sandbox
from assay.verifiers.verilog import check, parse_ports
from assay.workers.api import Sampling

SEEDS = load_seed_tasks("verilog")
MUX = next(t for t in SEEDS if t.name == "mux2_byte")
GOOD_MUX = "module TopModule(input [7:0] a, input [7:0] b, input sel, output [7:0] out);\n  assign out = sel ? b : a;\nendmodule\n"  # noqa: E501


def test_extract_prefers_the_last_fenced_design_and_drops_prose() -> None:
    text = (
        "Here is a first try:\n```verilog\nmodule TopModule(input a, output y);\nendmodule\n```\n"
        f"Better:\n```systemverilog\n{GOOD_MUX}```\nThis selects b when sel is 1."
    )
    assert extract_rtl(text) == GOOD_MUX


def test_extract_keeps_helper_modules_and_reads_unfenced_text() -> None:
    helper = "module inv(input x, output y);\n  assign y = ~x;\nendmodule\n"
    text = f"Sure!\n{helper}\n{GOOD_MUX}\nHope this helps."
    code = extract_rtl(text)
    assert code is not None
    assert code.startswith("module inv") and code.rstrip().endswith("endmodule")
    assert "Hope" not in code and "Sure" not in code


def test_extract_renames_a_lone_module_to_the_asked_name() -> None:
    text = "```verilog\nmodule top_module(input a, output y);\n  assign y = a;\nendmodule\n```"
    code = extract_rtl(text)
    assert code is not None and "module TopModule(" in code and "top_module" not in code
    two = "module a1(input x); endmodule\nmodule b1(input x); endmodule\n"
    assert extract_rtl(two) is None  # two modules, none of them the top


def test_extract_closes_a_cut_off_design_and_finds_nothing_without_a_module() -> None:
    cut = "```verilog\nmodule TopModule(input a, output y);\n  assign y = a;"
    assert extract_rtl(cut) == "module TopModule(input a, output y);\n  assign y = a;\nendmodule\n"
    assert extract_rtl("I cannot write Verilog, sorry.") is None
    assert extract_rtl("```python\nprint('module')\n```") is None


def test_extract_spec_wants_prose_without_code() -> None:
    prose = "The module TopModule has an 8-bit output out that equals b when sel is 1, else a."
    assert extract_spec(f"{prose}\n```verilog\n{GOOD_MUX}```") == prose + "\n"
    assert extract_spec(f"{prose}\nassign out = sel ? b : a;") is None  # code leaked into prose
    assert extract_spec("Too short.") is None


def test_solver_prompt_shows_the_spec_and_exact_header() -> None:
    header = module_header(MUX.reference)
    assert "module TopModule (" in header and "input [7:0] a" in header
    assert "output logic [7:0] out" in header
    request = get_role("verilog", "solver").build(MUX, Sampling(n=2), key="k")
    user = request.messages[-1]["content"]
    assert MUX.prompt.strip() in user and header in user and request.sampling.n == 2
    plain = get_role("verilog", "solver").build(MUX, Sampling(), key="k", with_ports=False)
    assert "module TopModule (" not in plain.messages[-1]["content"]


def test_header_ports_equal_the_reference_ports() -> None:
    for task in SEEDS:
        body = module_header(task.reference).split("\n", 1)[1].rsplit("```", 1)[0]
        want = parse_ports(task.reference, "RefModule")
        assert parse_ports(body + "endmodule\n", "TopModule") == want, task.name


def test_repairer_shows_how_the_simulation_disagreed() -> None:
    verdict = Verdict(
        "c1",
        "verilog",
        Status.FAIL,
        evidence={
            "reason": "3 of 2000 vectors mismatched",
            "first_mismatch": {"time": 40, "signal": "out", "expected": "8'h01", "got": "8'h00"},
        },
    )
    report = failure_report(verdict)
    assert "output out should be 8'h01 but was 8'h00" in report and "3 of 2000" in report
    request = get_role("verilog", "repairer").build(
        MUX, Sampling(), key="k", failing="module TopModule(); endmodule", verdict=verdict
    )
    assert "module TopModule(); endmodule" in request.messages[-1]["content"]
    with pytest.raises(ValueError, match="failing"):
        get_role("verilog", "repairer").build(MUX, Sampling(), key="k")
    with pytest.raises(ValueError, match="code"):
        get_role("verilog", "specifier").build(MUX, Sampling(), key="k")


def test_config_picks_the_domain_seeds_and_refuses_mismatches(tmp_path: Path) -> None:
    cfg = load_config(None, ["domain=verilog"])
    assert [s.seed for s in cfg.tasks] == ["verilog"]
    assert [t.name for t in load_tasks(cfg)] == [t.name for t in SEEDS]
    with pytest.raises(ConfigError, match="seed set 'code' does not fit domain 'verilog'"):
        load_config(None, ["domain=verilog", "tasks=[{seed: code}]"])
    with pytest.raises(ConfigError, match="format 'verilogeval' does not fit domain 'code'"):
        load_config(None, [f"tasks=[{{file: {tmp_path}, format: verilogeval}}]"])
    with pytest.raises(ConfigError, match=r"verilog\.roundtrip\.bogus"):
        load_config(None, ["domain=verilog", "verilog.roundtrip.bogus=1"])


def test_verilog_settings_change_only_verilog_run_ids() -> None:
    code = load_config(None).id
    assert load_config(None, ["verilog.roundtrip.enabled=true"]).id == code
    off = load_config(None, ["domain=verilog"]).id
    assert load_config(None, ["domain=verilog", "verilog.roundtrip.enabled=true"]).id != off


def test_seed_set_is_the_projects_own_and_well_formed() -> None:
    assert "verilog" in seed_domains()
    assert 8 <= len(SEEDS) <= 12 and len({t.id for t in SEEDS}) == len(SEEDS)
    for task in SEEDS:
        assert (task.domain, task.source, task.entry_point) == ("verilog", "seed", "TopModule")
        assert "TopModule" in task.prompt and "module RefModule" in task.reference
        assert task.meta["difficulty"] in {"easy", "medium", "hard"}
    vs.check_tasks(SEEDS)


def _all_zero(task: Task) -> str:
    """A wrong design with the right ports: every output held at zero."""
    ports = parse_ports(task.reference, "RefModule")
    body = "\n".join(f"  assign {p.name} = '0;" for p in ports if p.direction == "output")
    return (
        module_header(task.reference).split("\n", 1)[1].rsplit("```", 1)[0] + body + "\nendmodule\n"
    )


def test_every_seed_reference_passes_itself_and_a_wrong_design_fails() -> None:
    limits = Limits(wall_s=10, cpu_s=10, memory_mb=512)
    with open_sandbox() as box:
        for task in SEEDS:
            own = re.sub(r"\bRefModule\b", "TopModule", task.reference)
            good = check("good", own, task.reference, box, limits)
            assert good.status is Status.PASS and good.tests_total > 0, (task.name, good)
            bad = check("bad", _all_zero(task), task.reference, box, limits)
            assert bad.status is Status.FAIL, (task.name, bad.status, bad.evidence)


def test_verilogeval_folder_imports_as_verilog_tasks(benchmark: Callable[..., Path]) -> None:
    spec_to_rtl = benchmark("verilog-eval", "dataset_spec-to-rtl")
    tasks = load(spec_to_rtl, "verilogeval")
    prompts = sorted(spec_to_rtl.glob("*_prompt.txt"))
    assert len(tasks) == len(prompts) and tasks[0].name == prompts[0].name[: -len("_prompt.txt")]
    for task in tasks:
        assert task.domain == "verilog" and task.entry_point == "TopModule"
        assert "RefModule" in task.reference and task.prompt.strip()
    cfg = load_config(
        None, ["domain=verilog", f"tasks=[{{file: {spec_to_rtl}, format: verilogeval, limit: 5}}]"]
    )
    assert [t.name for t in load_tasks(cfg)] == [t.name for t in tasks[:5]]


def test_verilogeval_import_names_the_broken_file(tmp_path: Path) -> None:
    (tmp_path / "P1_a_prompt.txt").write_text("Implement TopModule.\n")
    (tmp_path / "P1_a_ref.sv").write_text("module RefModule(output y); assign y = 0; endmodule\n")
    assert [t.name for t in load(tmp_path, "verilogeval")] == ["P1_a"]
    (tmp_path / "P2_b_prompt.txt").write_text("Another.\n")
    with pytest.raises(TaskFileError, match=r"P2_b_prompt\.txt: no matching P2_b_ref\.sv"):
        load(tmp_path, "verilogeval")
    with pytest.raises(TaskFileError, match="wants a folder"):
        load(tmp_path / "P1_a_ref.sv", "verilogeval")
    with pytest.raises(TaskFileError, match="humaneval"):
        load(tmp_path, "humaneval")


def test_a_task_without_golden_rtl_is_refused_by_name() -> None:
    bare = Task("verilog", "mine", "no_ref", "Implement TopModule.", "TopModule")
    with pytest.raises(vs.VerilogTaskError, match="'no_ref'"):
        vs.check_tasks([bare])
    with pytest.raises(TaskFileError, match="'no_ref'"):
        check_tasks([bare], load_config(None, ["domain=verilog"]))


def test_runner_dispatches_by_domain_and_checks_tasks_before_committing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from assay.flows.domains import get
    from assay.flows.domains.code import flow as code_parts
    from assay.flows.domains.verilog import flow as verilog_parts
    from assay.flows.runner import Summary, flow_for, run_pipeline

    verilog = load_config(None, ["domain=verilog"])
    assert get(verilog.domain).flow() is verilog_parts
    assert get(load_config(None).domain).flow() is code_parts
    assert flow_for(verilog).name == "assay-verilog"
    assert flow_for(load_config(None)).name == "assay-code"
    assert verilog_parts.verifier(verilog) == ("verilog", None)
    formal = load_config(None, ["domain=verilog", "verilog.formal=true", "verilog.sim.cycles=64"])
    assert verilog_parts.verifier(formal) == ("verilog-formal", {"cycles": 64})
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text(
        json.dumps({"name": "bare", "prompt": "Implement TopModule.", "entry_point": "TopModule"})
    )
    cfg = load_config(
        None, ["domain=verilog", f"dataset={tmp_path / 'ds'}", f"tasks=[{{file: {tasks}}}]"]
    )
    with pytest.raises(TaskFileError, match="'bare'"):
        run_pipeline(cfg, quiet=True)
    assert not (tmp_path / "ds").exists()

    counts = {
        "run_id": "r1", "tasks": 2, "tasks_solved": 1, "designs": 4, "designs_pass": 1,
        "mean_pass_rate": 0.25, "verdicts": 5, "verdicts_pass": 2, "preference_pairs": 3,
        "roundtrip_tried": 1, "roundtrip_kept": 1, "samples": 2, "dataset": "/d",
    }  # fmt: skip
    verilog_parts.print_summary(Summary("completed", counts, 3.0))
    out = capsys.readouterr().out
    assert "designs     4 (1 pass, 25%; mean per-task pass rate 25%)" in out
    assert "3 preference pairs" in out and "1 of 1 specs kept" in out
