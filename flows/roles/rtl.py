"""Verilog roles: solver (spec → RTL), repairer (failing RTL + simulation evidence → RTL) and
specifier (RTL → spec, the first half of CodeV-R1's round trip).

Every design is asked for as `module TopModule` with the reference's exact ports, because the
verifier binds candidate and golden module by name and port. Prompts stay short for small models.
"""

from __future__ import annotations

from typing import Any

from assay.flows.domains.verilog.extract import extract_rtl, extract_spec
from assay.flows.roles import RoleSpec, register
from assay.flows.roles.repair import repairer
from assay.schemas.records import Status, Task, Verdict
from assay.verifiers.verilog import Port, PortError, parse_ports
from assay.workers.api import Request, Sampling

TOP, REF_TOP = "TopModule", "RefModule"
SYSTEM = (
    "You are an expert digital designer. You write synthesizable Verilog and reply with code "
    "in one ```verilog block."
)
SOLVER = "{spec}\n{header}Write the complete Verilog module. Reply with one ```verilog block."
HEADER = "\nUse exactly this module header (same port names, directions and widths):\n\n{ports}\n"
REPAIRER = (
    "{spec}\n{header}This attempt is wrong:\n\n```verilog\n{failing}\n```\n\n{report}\n\n"
    "Fix it. Reply with the whole corrected module in one ```verilog block."
)
SPECIFIER = (
    "Here is a Verilog module:\n\n```verilog\n{code}\n```\n\n"
    "Write a specification of it for an engineer who will rebuild it without seeing this code. "
    "Name the module TopModule and list every port with its direction and width. Say how each "
    "output depends on the inputs, what happens on each clock edge and on reset. "
    "Write prose only, no code."
)
HINTS = {
    Status.FAIL: "Its outputs differ from the specification in simulation.",
    Status.COMPILE_ERROR: "It does not compile.",
    Status.REJECTED: "It was refused before simulation.",
    Status.CHEAT: "It uses constructs that are not allowed (like $finish).",
    Status.TIMEOUT: "Its simulation runs too long.",
    Status.ERROR: "Its simulation crashed.",
}
MAX_REPORT_CHARS = 1200


def _decl(port: Port) -> str:
    """One port line; outputs are `logic` so either `assign` or `always` may drive them."""
    kind = " logic" if port.direction == "output" else ""
    signed = " signed" if port.signed else ""
    width = f" [{port.width - 1}:0]" if port.width > 1 else ""
    return f"  {port.direction}{kind}{signed}{width} {port.name}"


def module_header(reference: str, ref_top: str = REF_TOP, top: str = TOP) -> str:
    """`module TopModule (...);` with the reference's ports, or "" if they cannot be read."""
    try:
        ports = parse_ports(reference, ref_top)
    except PortError:
        return ""
    body = ",\n".join(_decl(p) for p in ports)
    return f"```verilog\nmodule {top} (\n{body}\n);\n```"


def _header(task: Task, with_ports: bool) -> str:
    ports = module_header(task.reference) if with_ports and task.reference else ""
    return HEADER.format(ports=ports) + "\n" if ports else "\n"


def _messages(user: str) -> tuple[dict[str, str], ...]:
    return ({"role": "system", "content": SYSTEM}, {"role": "user", "content": user})


def failure_report(verdict: Verdict) -> str:
    """Why a design failed, from the verdict's evidence, in words a model can act on."""
    lines = [HINTS.get(verdict.status, f"Its check ended with status {verdict.status.value}.")]
    reason = str(verdict.evidence.get("reason") or "")
    if reason:
        lines.append(f"Reason: {reason}")
    first = verdict.evidence.get("first_mismatch")
    if isinstance(first, dict):
        lines.append(
            f"First mismatch at time {first.get('time')}: output {first.get('signal')} "
            f"should be {first.get('expected')} but was {first.get('got')}."
        )
    if verdict.status is Status.COMPILE_ERROR and verdict.stderr_tail.strip():
        lines.append("Compiler output (end):\n" + verdict.stderr_tail.strip()[-500:])
    return "\n".join(lines)[:MAX_REPORT_CHARS]


def build_solver(
    task: Task, sampling: Sampling, key: str, with_ports: bool = True, **_: Any
) -> Request:
    """Ask for `module TopModule` implementing the task's spec."""
    user = SOLVER.format(spec=task.prompt.strip(), header=_header(task, with_ports))
    return Request(key, _messages(user), sampling)


def _repair_messages(
    task: Task, failing: str, verdict: Verdict | None, with_ports: bool = True, **_: Any
) -> tuple[dict[str, str], ...]:
    """A fixed design, shown the failing one and how the simulation disagreed."""
    report = failure_report(verdict) if verdict is not None else "It fails its checks."
    header = _header(task, with_ports)
    user = REPAIRER.format(spec=task.prompt.strip(), header=header, failing=failing, report=report)
    return _messages(user)


build_repairer = repairer("design", _repair_messages)


def build_specifier(task: Task, sampling: Sampling, key: str, code: str = "", **_: Any) -> Request:
    """Ask for a prose spec of a verified design (round trip, step one)."""
    if not code.strip():
        raise ValueError("specifier: pass the design as code=<rtl>")
    user = SPECIFIER.format(code=code.strip("\n"))
    return Request(key, _messages(user), sampling)


def _extract_top(text: str, task: Task) -> str | None:
    return extract_rtl(text, task.entry_point or TOP)


def _extract_spec(text: str, task: Task) -> str | None:
    return extract_spec(text)


SOLVER_ROLE = register(RoleSpec("verilog", "solver", build_solver, _extract_top))
REPAIRER_ROLE = register(RoleSpec("verilog", "repairer", build_repairer, _extract_top))
SPECIFIER_ROLE = register(RoleSpec("verilog", "specifier", build_specifier, _extract_spec))
