"""Verdicts that involve a model-written testbench: accepting one, and judging a candidate by it.

Acceptance (`accept`): the testbench must pass the wrapped golden design and fail every stub
(outputs '0, '1, 'x, undriven) and at least `min_kill` of the mutants that assay's own
differential check shows to differ from the golden. A candidate (`judge`) passes only if it
passes the accepted testbench, ending at the golden run's time when a reference is given.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from assay.schemas.records import Outcome, Status, Verdict
from assay.verifiers.sandbox import Limits, Sandbox
from assay.verifiers.verilog.config import SimConfig
from assay.verifiers.verilog.differential import check
from assay.verifiers.verilog.hygiene import screen
from assay.verifiers.verilog.mutants import STUBS, mutants
from assay.verifiers.verilog.ports import PortError, parse_ports
from assay.verifiers.verilog.source import module_names, tokens
from assay.verifiers.verilog.usertb import run, wrap

_STATUS = {"timeout": Status.TIMEOUT, "compile_error": Status.COMPILE_ERROR, "error": Status.ERROR}


def _verdict(cid: str, status: Status, reason: str, start: float, **kw: object) -> Verdict:
    outcomes: Any = kw.pop("outcomes", None) or (Outcome("testbench", status, reason),)
    ev = {"reason": reason, **kw.pop("evidence", {})}  # type: ignore[dict-item]
    took = time.perf_counter() - start
    return Verdict(cid, "verilog", status, outcomes=tuple(outcomes), duration_s=took, evidence=ev,
                   against="testbench", **kw)  # type: ignore[arg-type]  # fmt: skip


def accept(
    cid: str, testbench: str, reference: str, sandbox: Sandbox, limits: Limits, cfg: SimConfig,
    top: str = "TopModule", ref_top: str = "RefModule", min_kill: float = 1.0,
) -> Verdict:  # fmt: skip
    """Is `testbench` good enough to judge candidates for `reference`? PASS means accepted."""
    start = time.perf_counter()
    if top in module_names(tokens(testbench)):
        return _verdict(cid, Status.REJECTED, f"the testbench defines {top} itself", start)
    try:
        ports = parse_ports(reference, ref_top)
    except PortError as exc:
        return _verdict(cid, Status.UNSUPPORTED, f"reference: {exc}", start)
    nonce = secrets.token_hex(8)
    gold = run(testbench, wrap(reference, ref_top, top, ports, f"_g_{nonce}"), nonce, sandbox,
               limits, cfg)  # fmt: skip
    if gold.outcome != "passed":
        status = _STATUS.get(gold.outcome, Status.FAIL)
        return _verdict(cid, status, f"on the golden design: {gold.outcome}", start,
                        stderr_tail=gold.detail)  # fmt: skip
    outcomes, killed, counted, survivors = [], 0, 0, []
    for kind, text in mutants(reference, ports, stubs=STUBS):
        is_stub = kind.startswith("stuck")
        if not is_stub:  # only mutants assay's own check shows to differ must be caught
            diff = check(cid, text.replace(ref_top, top), reference, sandbox, limits, cfg,
                         top, ref_top)  # fmt: skip
            if diff.status is not Status.FAIL:
                continue
        design = wrap(text, ref_top, top, ports, f"_m_{nonce}")
        got = run(testbench, design, nonce, sandbox, limits, cfg, gold.end_time)
        caught = got.outcome != "passed"
        counted += not is_stub
        killed += caught and not is_stub
        if not caught:
            survivors.append(kind)
        outcomes.append(Outcome(kind, Status.PASS if caught else Status.FAIL, got.outcome))
    evidence = {"mutants_killed": killed, "mutants_counted": counted, "survivors": survivors,
                "golden_end_time": gold.end_time}  # fmt: skip
    stubs_ok = not [s for s in survivors if s.startswith("stuck")]
    if stubs_ok and killed >= min_kill * counted:
        return _verdict(cid, Status.PASS, "", start, outcomes=outcomes, evidence=evidence)
    why = f"the testbench passes broken designs: {', '.join(survivors)}"
    return _verdict(cid, Status.FAIL, why, start, outcomes=outcomes, evidence=evidence)


def judge(
    cid: str, code: str, testbench: str, sandbox: Sandbox, limits: Limits, cfg: SimConfig,
    top: str = "TopModule", reference: str | None = None, ref_top: str = "RefModule",
) -> Verdict:  # fmt: skip
    """The candidate against an accepted testbench (and the golden's end time, if given)."""
    start = time.perf_counter()
    problems = screen(code, top)
    if problems:
        worst = Status.CHEAT if any(p.status is Status.CHEAT for p in problems) else Status.REJECTED
        outcomes = [Outcome("hygiene", p.status, p.reason) for p in problems]
        return _verdict(cid, worst, problems[0].reason, start, outcomes=outcomes)
    nonce = secrets.token_hex(8)
    golden_end = None
    if reference is not None:
        ports = parse_ports(reference, ref_top)
        gold = run(testbench, wrap(reference, ref_top, top, ports, f"_g_{nonce}"), nonce,
                   sandbox, limits, cfg)  # fmt: skip
        if gold.outcome != "passed":
            return _verdict(cid, Status.UNSUPPORTED, "the testbench fails the golden", start)
        golden_end = gold.end_time
    got = run(testbench, code, nonce, sandbox, limits, cfg, golden_end)
    status = Status.PASS if got.outcome == "passed" else _STATUS.get(got.outcome, Status.FAIL)
    reason = "" if status is Status.PASS else f"testbench: {got.outcome}"
    return _verdict(cid, status, reason, start, stderr_tail=got.detail,
                    evidence={"end_time": got.end_time, "golden_end_time": golden_end})  # fmt: skip
