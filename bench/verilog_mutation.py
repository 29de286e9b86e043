"""How many wrong designs does the Verilog check reject? Mutants of VerilogEval's golden designs.

For each VerilogEval spec-to-rtl problem the bench makes seeded mutants of the golden design
(operator, constant, condition and reset mutations, edited on the project's tokens), keeps those
VerilogEval's own testbench rejects (`Mismatches: N in M samples` with N > 0), and checks each
kept mutant with assay: the differential simulation, then the yosys tier for the ones the
simulation lets through. Run: `uv run python bench/verilog_mutation.py [--problems N]
[--mutants-per-problem K] [--jobs J] [--sim field=value ...]`. Last line:
`rejected_share_simulation_formal=<x>` (goal: >= 0.995).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import replace
from pathlib import Path
from typing import Any

from assay.schemas.records import Status
from assay.verifiers.sandbox import Limits, ZygoteSandbox, open_sandbox
from assay.verifiers.verilog import FormalConfig, SimConfig, check, parse_ports
from assay.verifiers.verilog.compile import tool
from assay.verifiers.verilog.source import Token, spans
from assay.verifiers.verilog.testbench import RESET

PROBLEMS = Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks"
PROBLEMS = PROBLEMS / "verilog-eval" / "dataset_spec-to-rtl"
LIMITS = Limits(wall_s=30, cpu_s=30, memory_mb=2048)
HUNG_S = 30.0  # the slowest golden run here takes about 2 s
_MISMATCHES = re.compile(rb"Mismatches: (\d+) in (\d+) samples")
# Longest first: the tokenizer yields one character per operator token.
_OPERATORS = ("===", "!==", "<<<", ">>>", "==", "!=", "<=", ">=", "&&", "||", "<<", ">>", "~&",
              "~|", "~^", "^~", "->", "+:", "-:")  # fmt: skip
_SWAPS = {
    "+": ("-",), "-": ("+",), "&": ("|",), "|": ("&",), "^": ("|",), "~^": ("^",),
    "&&": ("||",), "||": ("&&",), "==": ("!=",), "!=": ("==",), "===": ("!==",),
    "!==": ("===",), "<": ("<=", ">"), ">": (">=", "<"), ">=": (">", "<"), "<=": ("<", ">"),
    "<<": (">>",), ">>": ("<<",), "*": ("+",), "~": ("",), "!": ("",),
}  # fmt: skip
_DECLARATIONS = {"input", "output", "inout", "reg", "wire", "logic", "integer", "genvar"}


def _operators(toks: list[tuple[Token, int, int]]) -> list[tuple[Token, int, int]]:
    """Tokens with adjacent operator characters merged into Verilog's operators."""
    out: list[tuple[Token, int, int]] = []
    i = 0
    while i < len(toks):
        tok, s = toks[i][:2]
        if tok.kind == "op":
            for op in _OPERATORS:
                run = toks[i : i + len(op)]
                joined = "".join(t.text for t, _, _ in run)
                if joined == op and all(run[k][2] == run[k + 1][1] for k in range(len(op) - 1)):
                    out.append((Token("op", op, tok.line), s, run[-1][2]))
                    i += len(op)
                    break
            else:
                out.append(toks[i])
                i += 1
            continue
        out.append(toks[i])
        i += 1
    return out


def _literal(text: str, delta: int) -> str | None:
    """`text` with its value moved by `delta` (kept in its width and radix); None if it cannot."""
    clean = text.replace("_", "").replace(" ", "")
    if re.search(r"[xXzZ?.]", clean):
        return None
    if clean in ("'0", "'1"):
        return "'1" if clean == "'0" else "'0"
    if "'" not in clean:
        value = int(clean) + delta
        return str(value) if value >= 0 else None
    size, rest = clean.split("'", 1)
    signed = rest[:1] in "sS"
    base, digits = rest[int(signed)].lower(), rest[int(signed) + 1 :]
    radix = {"b": 2, "o": 8, "d": 10, "h": 16}[base]
    width = int(size) if size else 32
    value = (int(digits, radix) + delta) % 2**width
    if value == int(digits, radix):
        return None
    shown = {2: f"{value:b}", 8: f"{value:o}", 10: f"{value}", 16: f"{value:x}"}[radix]
    return f"{size}'{'s' if signed else ''}{base}{shown}"


def _group_end(toks: list[tuple[Token, int, int]], at: int) -> int:
    """Index of the token closing the bracket opened at `at`."""
    depth = 0
    for i in range(at, len(toks)):
        depth += {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}.get(toks[i][0].text, 0)
        if depth == 0:
            return i
    return len(toks) - 1


def _statement_end(toks: list[tuple[Token, int, int]], at: int) -> int:
    """Index just past the statement starting at `at` (a `begin ... end` block or up to `;`)."""
    if toks[at][0].text != "begin":
        return next((i + 1 for i in range(at, len(toks)) if toks[i][0].text == ";"), len(toks))
    depth = 0
    for i in range(at, len(toks)):
        depth += {"begin": 1, "end": -1}.get(toks[i][0].text, 0)
        if depth == 0:
            return i + 1
    return len(toks)


def sites(text: str, resets: list[str]) -> list[tuple[str, str, str]]:
    """Every (category, description, mutant) of `text` after its first module header."""
    toks = _operators(spans(text))
    body = next(i for i, (t, _, _) in enumerate(toks) if t.text == "module")
    body = next(i for i in range(body, len(toks)) if toks[i][0].text == ";") + 1
    out: list[tuple[str, str, str]] = []

    def edit(category: str, what: str, start: int, end: int, new: str) -> None:
        line = text.count("\n", 0, start) + 1
        out.append((category, f"{what} @L{line}", text[:start] + new + text[end:]))

    depth, head, assigned, reset_body = 0, "", False, (0, 0)
    for i in range(body, len(toks)):
        tok, s, e = toks[i]
        prev = toks[i - 1][0].text if i else ""
        nxt = toks[i + 1][0].text if i + 1 < len(toks) else ""
        if tok.kind == "op" and tok.text in "([{":
            depth += 1
        elif tok.kind == "op" and tok.text in ")]}":
            depth -= 1
        if prev in (";", "begin", "end") or not head:
            head, assigned = tok.text, False
        assigned = assigned or (tok.text == "=" and depth == 0)
        if tok.kind == "number" and not (head in _DECLARATIONS and depth > 0 and not assigned):
            kind = "reset" if reset_body[0] <= i < reset_body[1] else "constant"
            for delta in (1, -1):
                new = _literal(tok.text, delta)
                if new is not None:
                    edit(kind, f"{tok.text}->{new}", s, e, new)
        elif tok.kind == "op" and tok.text in _SWAPS:
            if tok.text == "<=" and depth == 0:
                continue  # a nonblocking assignment
            if tok.text == "*" and (prev == "(" or nxt == ")"):
                continue  # @(*) and (* attributes *)
            if tok.text in "~!" and nxt in ("&", "|", "^"):
                continue
            for new in _SWAPS[tok.text]:
                edit("operator", f"{tok.text}->{new or 'removed'}", s, e, new)
        elif tok.text == "if" and nxt == "(":
            close = _group_end(toks, i + 1)
            a, b = toks[i + 1][2], toks[close][1]
            cond = text[a:b]
            names = {t.text for t, _, _ in toks[i + 2 : close]}
            kind = "reset" if names & set(resets) else "condition"
            if kind == "reset" and close + 1 < len(toks):
                reset_body = (close + 1, _statement_end(toks, close + 1))
            edit(kind, f"if ({cond.strip()}) negated", a, b, f"!({cond})")
            edit(kind, f"if ({cond.strip()}) never taken", a, b, "1'b0")
            if kind == "condition":
                edit(kind, f"if ({cond.strip()}) always taken", a, b, "1'b1")
        elif tok.text == "?" and depth >= 0:
            j, level = i - 1, 0
            while j > body:
                t = toks[j][0].text
                level += {")": 1, "]": 1, "}": 1, "(": -1, "[": -1, "{": -1}.get(t, 0)
                if level < 0 or (level == 0 and t in ("=", "<=", ",", ";", "?", ":", "begin")):
                    break
                j -= 1
            a, b = toks[j + 1][1], toks[i - 1][2]
            if a < b:
                edit("condition", f"?: condition {text[a:b].strip()!r} negated", a, b,
                     f"!({text[a:b]})")  # fmt: skip
        elif tok.text == "@" and nxt == "(":
            close = _group_end(toks, i + 1)
            inner = text[toks[i + 1][2] : toks[close][1]]
            for r in resets:
                edge = re.search(rf"\s*(or|,)\s*(posedge|negedge)\s+{r}\b", inner)
                if edge:
                    a = toks[i + 1][2] + edge.start()
                    edit("reset", f"asynchronous {r} made synchronous", a, a + len(edge[0]), "")
                elif "posedge" in inner and r in resets:
                    edge_kind = "negedge" if re.search(r"(_?n|_b)$", r) else "posedge"
                    b = toks[close][1]
                    edit("reset", f"synchronous {r} made asynchronous", b, b,
                         f" or {edge_kind} {r}")  # fmt: skip
    return out


def choose(text: str, resets: list[str], k: int, rng: random.Random) -> list[tuple[str, str, str]]:
    """Up to `k` distinct mutants, the categories taking turns (each shuffled by `rng`)."""
    by: dict[str, list[tuple[str, str, str]]] = {}
    seen = {text}
    for site in sites(text, resets):
        if site[2] not in seen:
            seen.add(site[2])
            by.setdefault(site[0], []).append(site)
    for group in by.values():
        rng.shuffle(group)
    order = sorted(by)
    rng.shuffle(order)
    out: list[tuple[str, str, str]] = []
    while len(out) < k and any(by.values()):
        for cat in order:
            if by[cat] and len(out) < k:
                out.append(by[cat].pop())
    return out


def verilogeval(test: str, ref: str, top: str, wall_s: float) -> str:
    """VerilogEval's own verdict on `top`: killed, passed, invalid (no compile) or hung."""
    with tempfile.TemporaryDirectory() as scratch:
        for name, body in (("test.sv", test), ("ref.sv", ref), ("top.sv", top)):
            Path(scratch, name).write_text(body)
        argv = [tool("iverilog"), "-g2012", "-o", "s.vvp", "test.sv", "ref.sv", "top.sv"]
        if subprocess.run(argv, cwd=scratch, capture_output=True).returncode:
            return "invalid"
        try:
            run = subprocess.run([tool("vvp"), "-n", "s.vvp", "-none"], cwd=scratch,
                                 capture_output=True, timeout=wall_s)  # fmt: skip
        except subprocess.TimeoutExpired:
            return "hung"
    found = _MISMATCHES.search(run.stdout)
    if not found:
        return "invalid"
    return "killed" if int(found[1]) > 0 else "passed"


_BOX: ZygoteSandbox | None = None


def _sandbox() -> ZygoteSandbox:
    global _BOX
    if _BOX is None:
        _BOX = open_sandbox()
    return _BOX


def problem(name: str, k: int, seed: int, cfg: SimConfig, formal: bool) -> dict[str, Any]:
    """One problem: its mutants, VerilogEval's verdict on each, and assay's on the kept ones."""
    ref = (PROBLEMS / f"{name}_ref.sv").read_text()
    test = (PROBLEMS / f"{name}_test.sv").read_text()
    if verilogeval(test, ref, ref.replace("RefModule", "TopModule"), HUNG_S) != "passed":
        return {"name": name, "skipped": "the golden design fails its own testbench here"}
    resets = [p.name for p in parse_ports(ref, "RefModule") if RESET.search(p.name)]
    rng = random.Random(f"{seed}:{name}")
    rows = []
    for category, what, text in choose(ref, resets, k, rng):
        code = text.replace("RefModule", "TopModule")
        row: dict[str, Any] = {"mutant": f"{name}: {category}: {what}", "category": category}
        row["verilogeval"] = verilogeval(test, ref, code, HUNG_S)
        if row["verilogeval"] == "killed":
            start = time.perf_counter()
            sim = check(name, code, ref, _sandbox(), LIMITS, cfg)
            row.update(simulation=sim.status.value, simulation_s=time.perf_counter() - start)
            if sim.status is Status.PASS and formal:
                v = check(name, code, ref, _sandbox(), LIMITS, cfg, formal=FormalConfig())
                row.update(formal=v.status.value, formal_result=v.evidence.get("formal"))
        rows.append(row)
    return {"name": name, "rows": rows}


def _share(n: int, total: int) -> str:
    return f"{n}/{total} ({n / max(1, total):.2%})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--problems", type=int, default=0, help="first N problems (0: all)")
    parser.add_argument("--only", nargs="*", default=[], help="only these problems")
    parser.add_argument("--mutants-per-problem", type=int, default=30)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--no-formal", action="store_true", help="skip the yosys tier")
    parser.add_argument("--sim", nargs="*", default=[], help="SimConfig overrides: field=value")
    parser.add_argument("--json", type=Path, help="write every mutant's row here")
    args = parser.parse_args()
    if not PROBLEMS.is_dir():
        print(f"SKIP: VerilogEval problems not found at {PROBLEMS} (../shared/benchmarks)")
        return
    overrides = {k: json.loads(v) for k, v in (o.split("=", 1) for o in args.sim)}
    cfg = replace(SimConfig(), **overrides)
    names = sorted(p.name[: -len("_ref.sv")] for p in PROBLEMS.glob("*_ref.sv"))
    names = [n for n in names if not args.only or n in args.only]
    names = names[: args.problems or None]
    start = time.perf_counter()
    with ProcessPoolExecutor(args.jobs) as pool:
        jobs = {pool.submit(problem, n, args.mutants_per_problem, args.seed, cfg,
                            not args.no_formal): n for n in names}  # fmt: skip
        done = {}
        for job in as_completed(jobs):
            done[jobs[job]] = res = job.result()
            passed = [r for r in res.get("rows", []) if r.get("simulation") == "pass"]
            print(f"[{len(done)}/{len(names)}] {jobs[job]}: {len(res.get('rows', []))} mutants,"
                  f" {len(passed)} pass the simulation", file=sys.stderr)  # fmt: skip
        results = [done[n] for n in names]
    rows = [r for res in results for r in res.get("rows", [])]
    kept = [r for r in rows if r["verilogeval"] == "killed"]
    by_sim = [r for r in kept if r["simulation"] != "pass"]
    survivors = [r for r in kept if r["simulation"] == "pass"]
    left = [r for r in survivors if r.get("formal", "pass") == "pass"]
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    skipped = [f"{r['name']} ({r['skipped']})" for r in results if "skipped" in r]
    print(f"problems={len(names)} skipped={len(skipped)} seconds={time.perf_counter() - start:.0f}")
    print("skipped: " + ("; ".join(skipped) or "none"))
    print(f"mutants={len(rows)} verilogeval={dict(Counter(r['verilogeval'] for r in rows))}")
    print(f"kept (VerilogEval's testbench rejects them)={len(kept)} by category="
          f"{dict(Counter(r['category'] for r in kept))}")  # fmt: skip
    print(f"assay simulation rejects {_share(len(by_sim), len(kept))}")
    print("  survivors: " + ("; ".join(r["mutant"] for r in survivors) or "none"))
    if not args.no_formal:
        print(f"assay simulation + formal rejects {_share(len(kept) - len(left), len(kept))}")
        named = [f"{r['mutant']} (formal: {r.get('formal_result')})" for r in left]
        print("  survivors: " + ("; ".join(named) or "none"))
    print(f"rejected_share_simulation={len(by_sim) / max(1, len(kept)):.4f}")
    if not args.no_formal:
        print(f"rejected_share_simulation_formal={(len(kept) - len(left)) / max(1, len(kept)):.4f}")


if __name__ == "__main__":
    sys.exit(main())
