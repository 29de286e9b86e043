"""Verilog check cost: assay's verifier vs raw iverilog compile+simulate of the same files.

For each VerilogEval golden design (submitted against itself) the same testbench, renamed
reference and candidate are compiled and simulated twice, interleaved in one run: by a bare
`iverilog && vvp` subprocess, and by `check()` (hygiene, ports, sandbox, report). Run:
`uv run python bench/verilog.py [--problems N] [--repeat R]`. Last line:
`overhead_vs_raw_iverilog=<x>` (median assay time / median raw time per check).
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from assay.schemas.records import Status
from assay.verifiers.sandbox import Limits, open_sandbox
from assay.verifiers.verilog import SimConfig, check, parse_ports
from assay.verifiers.verilog.compile import tool
from assay.verifiers.verilog.differential import build

PROBLEMS = Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks"
PROBLEMS = PROBLEMS / "verilog-eval" / "dataset_spec-to-rtl"
SKIP = {"Prob151_review2015_fsm", "Prob156_review2015_fancytimer"}  # iverilog 11 cannot compile


def raw(sources: dict[str, str], cfg: SimConfig) -> float:
    """Seconds for a bare iverilog compile + vvp run of `sources`, no sandbox, no checks."""
    with tempfile.TemporaryDirectory() as scratch:
        for name, text in sources.items():
            Path(scratch, name).write_text(text)
        cmd = "\n".join([f"+timescale+{cfg.timescale}", *sources]) + "\n"
        Path(scratch, "cmd.f").write_text(cmd)
        start = time.perf_counter()
        argv = [tool("iverilog"), *cfg.compile_args, "-o", "sim.vvp", "-c", "cmd.f"]
        subprocess.run(argv, cwd=scratch, check=True, capture_output=True)
        out = subprocess.run([tool("vvp"), "-n", "sim.vvp"], cwd=scratch, capture_output=True)
        took = time.perf_counter() - start
    if b"mismatches=0" not in out.stdout:
        raise RuntimeError(f"raw run did not pass: {out.stdout[-500:]!r}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--problems", type=int, default=40, help="first N VerilogEval problems")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per problem and side")
    args = parser.parse_args()
    if not PROBLEMS.is_dir():
        sys.exit(f"VerilogEval problems not found at {PROBLEMS}")
    cfg, limits = SimConfig(), Limits(wall_s=60, cpu_s=60, memory_mb=2048)
    refs = sorted(p for p in PROBLEMS.glob("*_ref.sv") if p.name[:-7] not in SKIP)
    ours: list[float] = []
    bare: list[float] = []
    with open_sandbox() as box:
        for path in refs[: args.problems]:
            ref = path.read_text()
            code = ref.replace("RefModule", "TopModule")
            ports = parse_ports(ref, "RefModule")
            sources, _, _ = build(
                code, ref, ports, cfg, secrets.token_hex(8), "TopModule", "RefModule"
            )
            check("warm", code, ref, box, limits, cfg)
            for _ in range(args.repeat):
                bare.append(raw(sources, cfg))
                start = time.perf_counter()
                verdict = check(path.name, code, ref, box, limits, cfg)
                ours.append(time.perf_counter() - start)
                if verdict.status is not Status.PASS:
                    raise RuntimeError(f"{path.name}: golden did not pass: {verdict.status}")
    raw_s, assay_s = statistics.median(bare), statistics.median(ours)
    print(f"checks={len(ours)} problems={min(args.problems, len(refs))} isolation={box.isolation}")
    print(f"median_raw_iverilog_s={raw_s:.4f} median_assay_s={assay_s:.4f}")
    print(f"overhead_vs_raw_iverilog={assay_s / raw_s:.3f}")


if __name__ == "__main__":
    main()
