"""The files one Coq check writes into the sandbox, and the one script that compiles them.

`Check.v` is assay's assembly (header, statement, `Proof.`, body, `Qed.`); `Audit.v` is assay's
own and asks Coq which assumptions the finished theorem rests on. Each step's failure leaves a
marker file with the exit status, so the verdict never depends on output the candidate prints.
"""

from __future__ import annotations

from assay.verifiers.coq.assumptions import MODULE
from assay.verifiers.coq.config import CoqConfig
from assay.verifiers.proofs import Assembled, assemble
from assay.verifiers.sandbox import Execution, Limits, Sandbox
from assay.verifiers.tools import tool as _tool

CHECK_FAILED, AUDIT_FAILED, AUDIT_OUT = "check.failed", "audit.failed", "audit.out"
KERNEL_FAILED, KERNEL_OUT = "kernel.failed", "kernel.out"
COLLECT = (CHECK_FAILED, AUDIT_FAILED, AUDIT_OUT, KERNEL_FAILED, KERNEL_OUT)
LIBRARY = "Assay"  # logical prefix of the scratch dir: the checked file is Assay.Check


def tool(name: str) -> str:
    """Absolute path of a Coq tool (see `verifiers.tools`)."""
    return _tool(name, "install Coq 8.16: apt-get install -y coq")


def checked_file(header: str, statement: str, body: str, name: str) -> Assembled:
    return assemble(header, statement, body, "Proof.", "Qed.", name)


def script(name: str, cfg: CoqConfig) -> tuple[str, str]:
    """(run.sh, Audit.v) for theorem `name`."""
    coqc = f"{tool('coqc')} -q -Q . {LIBRARY}"
    lines = [
        f"{coqc} {MODULE}.v || {{ echo $? >{CHECK_FAILED}; exit 0; }}",
        f"{coqc} Audit.v >{AUDIT_OUT} 2>&1 || {{ echo $? >{AUDIT_FAILED}; exit 0; }}",
    ]
    if cfg.coqchk:
        chk = f"{tool('coqchk')} -silent -Q . {LIBRARY} -norec {LIBRARY}.{MODULE}"
        lines.append(f"{chk} >{KERNEL_OUT} 2>&1 || echo $? >{KERNEL_FAILED}")
    audit = f"Require {LIBRARY}.{MODULE}.\nPrint Assumptions {LIBRARY}.{MODULE}.{name}.\n"
    return "\n".join(lines) + "\n", audit


def run(checked: Assembled, sandbox: Sandbox, limits: Limits, cfg: CoqConfig) -> Execution:
    """Compile the checked file, then audit its theorem, in one sandboxed run."""
    sh, audit = script(checked.name, cfg)
    files = {f"{MODULE}.v": checked.text, "Audit.v": audit, "run.sh": sh}
    encoded = {path: text.encode() for path, text in files.items()}
    return sandbox.run_command(["/bin/sh", "run.sh"], encoded, limits, collect=COLLECT)


def statement_compiles(
    header: str, statement: str, sandbox: Sandbox, limits: Limits
) -> tuple[bool, str]:
    """Trusted path for benchmark hygiene: does `statement` elaborate under `header`?

    Closes the proof with `Admitted.`, which the verifier itself always refuses as cheating;
    the text here is the benchmark's, never a model's. Returns (ok, coqc's messages).
    """
    text = "".join(p.rstrip("\n") + "\n" for p in (header, statement, "Proof.", "Admitted."))
    cmd = f"{tool('coqc')} -q Statement.v"
    ex = sandbox.run_command(cmd.split(), {"Statement.v": text.encode()}, limits)
    log = (ex.stdout + ex.stderr).decode(errors="replace")
    return ex.exit_code == 0 and not ex.timed_out, log
