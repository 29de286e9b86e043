"""Compile and simulate one testbench + reference + candidate inside the sandbox, in one run.

One sandboxed shell script runs iverilog then vvp: it saves a fork and a round trip per check.
The script and its files are assay's; only the candidate's RTL comes from the model.
"""

from __future__ import annotations

import re

from assay.schemas.records import Status
from assay.verifiers.sandbox import Execution, Limits, Sandbox
from assay.verifiers.tools import tool as _tool
from assay.verifiers.verilog.config import SimConfig

FAILED = "compile.failed"
LOG = "compile.log"
_TIMESCALE = re.compile(r"^[ \t]*`timescale\b[^\n]*", re.MULTILINE)


def tool(name: str) -> str:
    """Absolute path of iverilog, vvp or yosys (see `verifiers.tools`)."""
    return _tool(name, "install it: apt-get install -y iverilog yosys")


def without_timescale(text: str) -> str:
    """Drop `timescale directives: every file runs under the one fixed timescale."""
    return _TIMESCALE.sub("", text)


def simulate(
    sources: dict[str, str], sandbox: Sandbox, limits: Limits, cfg: SimConfig
) -> Execution:
    """Compile `sources` (file name → text, in order) and run the result with vvp."""
    iverilog, vvp = tool("iverilog"), tool("vvp")
    args = " ".join(cfg.compile_args)
    script = (
        f"{iverilog} {args} -o sim.vvp -c cmd.f >{LOG} 2>&1 || {{ : >{FAILED}; exit 0; }}\n"
        f"exec {vvp} -n sim.vvp\n"
    )
    cmd = "\n".join([f"+timescale+{cfg.timescale}", *sources]) + "\n"
    files = {name: text.encode() for name, text in sources.items()}
    files.update({"cmd.f": cmd.encode(), "run.sh": script.encode()})
    return sandbox.run_command(["/bin/sh", "run.sh"], files, limits, collect=(FAILED, LOG))


def compile_status(log: str, candidate: str) -> Status:
    """Why compilation failed: the toolchain's "sorry" (or a broken reference) is unsupported."""
    errors = [line for line in log.splitlines() if "error" in line or "sorry" in line]
    if any("sorry:" in line for line in errors):
        return Status.UNSUPPORTED
    if errors and all(not line.startswith(candidate + ":") for line in errors):
        return (
            Status.UNSUPPORTED
            if any(line.startswith("ref") for line in errors)
            else Status.COMPILE_ERROR
        )
    return Status.COMPILE_ERROR
