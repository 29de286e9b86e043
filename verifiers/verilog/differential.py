"""The Verilog verifier: candidate RTL against golden RTL → a Verdict, cheapest check first.

1. hygiene (forbidden constructs) and exact ports; 2. compile under a fixed timescale;
3. assay's own differential testbench with a per-run nonce. See `report.judge` for the rules.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from assay.schemas.records import Outcome, Status, Verdict, content_id
from assay.verifiers.sandbox import Limits, Sandbox
from assay.verifiers.verilog.compile import FAILED, LOG, compile_status, simulate, without_timescale
from assay.verifiers.verilog.config import FormalConfig, SimConfig
from assay.verifiers.verilog.depth import depth
from assay.verifiers.verilog.formal import prove
from assay.verifiers.verilog.hygiene import screen
from assay.verifiers.verilog.ports import Port, PortError, parse_ports
from assay.verifiers.verilog.report import judge, read_report
from assay.verifiers.verilog.source import rename_modules
from assay.verifiers.verilog.stimulus import constants
from assay.verifiers.verilog.testbench import Plan, Unsupported, plan

CANDIDATE = "candidate.sv"


def _port_diff(want: list[Port], got: list[Port]) -> str:
    """'' when the candidate's ports equal the reference's (order aside: both are bound by name)."""
    shape = {p.name: (p.direction, p.width) for p in want}
    have = {p.name: (p.direction, p.width) for p in got}
    if shape == have and len(got) == len(have):
        return ""
    wrong = [
        f"{n}: want {shape.get(n, 'absent')}, got {have.get(n, 'absent')}"
        for n in sorted(shape.keys() | have.keys())
        if shape.get(n) != have.get(n)
    ]
    return "ports differ from the reference: " + ("; ".join(wrong) or "duplicate port names")


def _seed(cfg: SimConfig, code: str, reference: str) -> int:
    if cfg.seed is not None:
        return cfg.seed
    return int(content_id("verilog-seed", code, reference)[:7], 16)


def build(
    code: str, reference: str, ports: list[Port], cfg: SimConfig, nonce: str, top: str, ref_top: str
) -> tuple[dict[str, str], Plan, int]:
    """The files one check compiles, in order (testbench, renamed reference, candidate), with
    the testbench's plan and the stimulus seed; raises Unsupported."""
    ref_text, names = rename_modules(without_timescale(reference), f"_ref_{nonce}")
    seed = _seed(cfg, code, reference)
    tb = plan(ports, cfg, seed, nonce, names[ref_top], top, constants(reference), depth(reference))
    sources = {"tb.sv": tb.text, "ref.sv": ref_text, CANDIDATE: without_timescale(code)}
    return sources, tb, seed


def formal_status(result: str, cfg: FormalConfig) -> tuple[Status, str, str]:
    """(status, reason, tier) of a design the simulation passed, after the formal tier said
    `result`. Only a decided answer (proved, counterexample, lint) is the formal tier's verdict;
    an inconclusive bounded check proves nothing, so the verdict stays the simulation's, and
    with `require_proof` it is `not_verified`: checked, but not at the level asked for."""
    if result == "counterexample":
        return Status.FAIL, "yosys found inputs where the candidate differs", "formal"
    if result == "lint":
        why = "yosys synth/check rejected the candidate (reference is clean)"
        return Status.LINT_ERROR, why, "formal"
    if result == "proved":
        return Status.PASS, "", "formal"
    if cfg.require_proof:
        why = "the formal tier was inconclusive and a proof is required (simulation passed)"
        return Status.NOT_VERIFIED, why, "simulation"
    return Status.PASS, "", "simulation"


def check(
    candidate_id: str,
    code: str,
    reference: str,
    sandbox: Sandbox,
    limits: Limits,
    config: SimConfig | None = None,
    top: str = "TopModule",
    ref_top: str = "RefModule",
    formal: FormalConfig | None = None,
) -> Verdict:
    """Check candidate module `top` in `code` against `ref_top` in trusted `reference`; with
    `formal`, a passing candidate then goes through the yosys tier (`formal.prove`)."""
    cfg = config or SimConfig()
    start = time.perf_counter()

    def verdict(status: Status, reason: str = "", **kw: Any) -> Verdict:
        outcomes = kw.pop("outcomes", (Outcome("verilog", status, reason),))
        evidence = {"reason": reason, **kw.pop("evidence", {})}
        duration = time.perf_counter() - start
        return Verdict(
            candidate_id,
            "verilog",
            status,
            outcomes=tuple(outcomes),
            duration_s=duration,
            evidence=evidence,
            against="reference",
            **kw,
        )

    problems = screen(code, top)
    if problems:
        worst = Status.CHEAT if any(p.status is Status.CHEAT for p in problems) else Status.REJECTED
        outcomes = [Outcome("hygiene", p.status, p.reason) for p in problems]
        return verdict(worst, problems[0].reason, outcomes=outcomes)
    try:
        want = parse_ports(reference, ref_top)
    except PortError as exc:
        return verdict(Status.UNSUPPORTED, f"reference: {exc}")
    try:
        diff = _port_diff(want, parse_ports(code, top))
    except PortError as exc:
        diff = f"candidate: {exc}"
    if diff:
        return verdict(Status.REJECTED, diff)
    nonce = secrets.token_hex(8)
    try:
        sources, tb, seed = build(code, reference, want, cfg, nonce, top, ref_top)
    except Unsupported as exc:
        return verdict(Status.UNSUPPORTED, str(exc))
    ex = simulate(sources, sandbox, limits, cfg)
    common = {"isolation": ex.isolation}
    evidence: dict[str, Any] = {
        "seed": seed,
        "planned": tb.vectors,
        "clock": tb.clock,
        "resets": list(tb.resets),
        "deep": list(tb.deep),
        "sandbox_s": ex.duration_s,
    }
    if FAILED in ex.files and not ex.timed_out:
        log = ex.files.get(LOG, b"").decode(errors="replace")
        status = compile_status(log, CANDIDATE)
        return verdict(
            status,
            "iverilog could not compile the design",
            stderr_tail=log[-2000:],
            evidence=evidence,
            **common,
        )
    report = read_report(ex.stdout, nonce)
    status, reason = judge(ex, report, tb.vectors)
    vectors, mismatches = report.results[0] if len(report.results) == 1 else (0, 0)
    evidence.update(vectors=vectors, mismatches=mismatches, first_mismatch=report.first)
    outcomes = (
        [
            Outcome(f"output {name}", Status.FAIL if n else Status.PASS, f"{n} mismatched vectors")
            for name, n in report.per_output.items()
        ]
        if status in (Status.PASS, Status.FAIL)
        else [Outcome("simulation", status, reason)]
    )
    tail = (ex.stderr + ex.files.get(LOG, b"")).decode(errors="replace")
    tier = "simulation"
    if formal is not None and status is Status.PASS:
        f = prove(reference, code, ref_top, top, tb.clock, list(tb.resets), sandbox, formal)
        evidence.update(formal=f.result, formal_s=f.seconds, formal_detail=f.detail[-2000:])
        status, reason, tier = formal_status(f.result, formal)
        if status is not Status.PASS:
            outcomes = [*outcomes, Outcome("formal", status, reason)]
    return verdict(
        status,
        reason,
        outcomes=outcomes,
        tests_passed=vectors - mismatches,
        tests_total=tb.vectors,
        stderr_tail=tail[-2000:],
        evidence=evidence,
        tier=tier,
        **common,
    )
