"""Candidate hygiene: refuse constructs that could game a simulation before anything runs.

The candidate is compiled together with assay's testbench, so anything that can end, print,
delay or reach outside the design (system tasks, `#` delays, hierarchical names, macros,
procedural `initial` code) is refused. `initial` survives only as constant register
initialisation (`initial q = 0;`), which golden designs use and which runs no code.
"""

from __future__ import annotations

from dataclasses import dataclass

from assay.schemas.records import Status
from assay.verifiers.verilog.source import Token, tokens

PURE_FUNCTIONS = {
    "$signed", "$unsigned", "$clog2", "$bits", "$countones", "$onehot", "$onehot0",
    "$high", "$low", "$left", "$right", "$size",
}  # fmt: skip
ENDS_SIMULATION = {"$finish", "$stop", "$fatal", "$exit"}
ALLOWED_DIRECTIVES = {"`timescale", "`default_nettype"}
FORBIDDEN_KEYWORDS = {
    "fork", "join", "join_any", "join_none", "wait", "force", "release", "deassign", "bind",
    "program", "class", "final", "specify", "defparam", "forever", "interface", "checker",
}  # fmt: skip
KEYWORDS = FORBIDDEN_KEYWORDS | {
    "module", "begin", "end", "assign", "always", "always_comb", "always_ff", "always_latch",
    "initial", "wire", "reg", "logic", "input", "output", "inout", "if", "else", "case", "casez",
    "casex", "endcase", "for", "while", "repeat", "return", "integer", "genvar", "generate",
}  # fmt: skip


@dataclass(frozen=True)
class Problem:
    status: Status  # REJECTED, or CHEAT when the construct can only serve to game the check
    reason: str


def _constant_initial(toks: list[Token], i: int) -> int | None:
    """End index of an `initial` whose body only assigns constants; None if it does more."""
    j = i + 1
    block = j < len(toks) and toks[j].text == "begin"
    j += block
    while j < len(toks):
        if block and toks[j].text == "end":
            return j + 1
        if toks[j].kind != "ident":
            return None
        j += 1
        while j < len(toks) and toks[j].text != "=":
            if toks[j].kind != "number" and toks[j].text not in ("[", "]", ":"):
                return None
            j += 1
        j += 1
        while j < len(toks) and toks[j].text != ";":
            if toks[j].kind != "number" and toks[j].text not in ("{", "}", ",", "-", "~"):
                return None
            j += 1
        j += 1
        if not block:
            return j
    return None


def screen(code: str, top: str) -> list[Problem]:
    """Every hygiene problem in candidate `code` whose top module must be `top`; [] is clean."""
    toks = tokens(code)
    problems: list[Problem] = []

    def refuse(tok: Token, why: str, status: Status = Status.REJECTED) -> None:
        problems.append(Problem(status, f"line {tok.line}: {why}"))

    i = 0
    while i < len(toks):
        tok, prev = toks[i], toks[i - 1] if i else None
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if tok.kind == "system" and tok.text not in PURE_FUNCTIONS:
            if tok.text in ENDS_SIMULATION:
                refuse(tok, f"{tok.text} would end the simulation early", Status.CHEAT)
            else:
                refuse(tok, f"system task {tok.text} is simulation-only; remove it")
        elif tok.kind == "directive" and tok.text not in ALLOWED_DIRECTIVES:
            refuse(tok, f"compiler directive {tok.text} is not allowed in a candidate")
        elif tok.kind == "ident" and tok.text in FORBIDDEN_KEYWORDS:
            refuse(tok, f"{tok.text!r} is simulation-only or reaches outside the design")
        elif tok.text == "##" or (tok.text == "#" and not _parameter_hash(prev, nxt)):
            refuse(tok, "'#' delays are not allowed: the design must be zero-delay RTL")
        elif tok.text == "." and prev and nxt and (_name(prev) or prev.text == "]") and _name(nxt):
            refuse(tok, f"hierarchical name {prev.text}.{nxt.text} reaches outside the design")
        elif tok.kind == "ident" and tok.text == "initial":
            end = _constant_initial(toks, i)
            if end is None:
                refuse(tok, "'initial' may only set registers to constants (no code, no delays)")
            else:
                i = end
                continue
        i += 1
    modules = [toks[k + 1].text for k in range(len(toks) - 1) if toks[k].text == "module"]
    if modules.count(top) != 1:
        problems.append(Problem(Status.REJECTED, f"define module {top!r} exactly once"))
    return problems


def _name(tok: Token) -> bool:
    return tok.kind in ("ident", "escaped") and tok.text not in KEYWORDS


def _parameter_hash(prev: Token | None, nxt: Token | None) -> bool:
    """`#(` after a module name is a parameter list, not a delay."""
    return bool(prev and nxt and _name(prev) and nxt.text == "(")
