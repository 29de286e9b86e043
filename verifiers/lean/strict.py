"""The strict tier: re-check an admitted proof in a fresh REPL run inside the sandbox.

The pool's processes are long-lived and reuse the environments they built; this one-shot run
goes through `Sandbox.run_command` (namespaces, no network, read-only host, hard kill), reads
the whole checked file in one command with no reused environment, and must pass on its own.
"""

from __future__ import annotations

import shlex
from typing import Any

from assay.schemas.records import Status
from assay.verifiers.lean.config import LeanConfig
from assay.verifiers.lean.judge import judge
from assay.verifiers.lean.protocol import Command, ProtocolError, encode, parse_text
from assay.verifiers.lean.toolchain import Toolchain
from assay.verifiers.sandbox import Limits, Sandbox


def recheck(
    tool: Toolchain,
    config: LeanConfig,
    source: str,
    name: str,
    sandbox: Sandbox,
    limits: Limits,
) -> tuple[Status, dict[str, Any]]:
    """Status of `source` (header + theorem) checked from scratch, with its axioms."""
    env = " ".join(f"{k}={shlex.quote(v)}" for k, v in tool.env.items())
    script = (
        f"cd {shlex.quote(str(tool.cwd))} && exec /usr/bin/env -i {env} {shlex.join(tool.argv)}"
    )
    stdin = encode(Command(f"{source}\n#print axioms {name}\n").to_json())
    box = Limits(
        wall_s=limits.wall_s + config.header_timeout_s,
        cpu_s=limits.cpu_s + config.header_timeout_s,
        memory_mb=config.strict_memory_mb,
        nproc=512,
        fsize_mb=config.fsize_mb,
        nofile=1024,
        output_bytes=max(limits.output_bytes, 1 << 20),
    )
    run = sandbox.run_command(["/bin/sh", "-c", script], {}, box, stdin=stdin)
    evidence: dict[str, Any] = {"strict_isolation": run.isolation, "strict_s": run.duration_s}
    if run.timed_out:
        return Status.TIMEOUT, {**evidence, "reason": "the strict re-check timed out"}
    text = run.stdout.decode(errors="replace").strip()
    try:
        answer = parse_text(text.split("\n\n", 1)[0])
    except ProtocolError as exc:
        tail = run.stderr.decode(errors="replace")[-500:]
        status = Status.MEMORY if run.memory_exceeded else Status.ERROR
        return status, {**evidence, "reason": f"the strict re-check gave no answer: {exc}; {tail}"}
    status, more = judge(answer, answer, name, config.allowed_axioms)
    return status, {**evidence, **{f"strict_{k}": v for k, v in more.items()}}
