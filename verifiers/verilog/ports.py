"""Ports of one Verilog module, read from its header (ANSI) or its body (non-ANSI declarations).

The testbench is generated from the reference's ports and the candidate must declare the same
ones, so this parser is deliberately strict: anything it cannot size exactly is an error.
"""

from __future__ import annotations

import ast
import contextlib
import operator
from dataclasses import dataclass

from assay.verifiers.verilog.source import Token, tokens

DIRECTIONS = ("input", "output", "inout")
_SKIP = {"wire", "reg", "logic", "var", "signed", "unsigned", "bit", "tri", "uwire", "wand", "wor"}
_FIXED = {"integer": 32, "int": 32, "byte": 8, "shortint": 16, "longint": 64}
_OPS = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow,
    ast.LShift: operator.lshift, ast.RShift: operator.rshift,
}  # fmt: skip


class PortError(ValueError):
    """The module or its ports could not be read exactly; the message says what to change."""


@dataclass(frozen=True)
class Port:
    name: str
    direction: str  # input, output or inout
    width: int
    signed: bool = False


def _number(text: str) -> int:
    text = text.replace("_", "").replace(" ", "")
    if "'" not in text:
        return int(text)
    base = text.split("'", 1)[1].lstrip("sS")
    radix = {"b": 2, "o": 8, "d": 10, "h": 16}.get(base[:1].lower())
    if radix is None or any(c in "xXzZ?" for c in base[1:]):
        raise PortError(f"cannot size a port with the literal {text!r}")
    return int(base[1:], radix)


def _evaluate(toks: list[Token], params: dict[str, int]) -> int:
    """An integer constant expression of numbers, parameters, arithmetic and $clog2."""
    parts = []
    for tok in toks:
        if tok.kind == "number":
            parts.append(str(_number(tok.text)))
        elif tok.kind == "ident" and tok.text in params:
            parts.append(str(params[tok.text]))
        elif tok.kind == "system" and tok.text == "$clog2":
            parts.append("clog2")
        elif tok.kind == "op" and tok.text in "+-*/%()<>":
            parts.append("//" if tok.text == "/" else tok.text)
        else:
            raise PortError(f"cannot evaluate {tok.text!r} in a port width (line {tok.line})")

    def walk(node: ast.AST) -> int:
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return node.value
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return int(_OPS[type(node.op)](walk(node.left), walk(node.right)))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            value = walk(node.operand)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "clog2":
            return max(0, (walk(node.args[0]) - 1).bit_length())
        raise PortError("unsupported expression in a port width")

    try:
        return walk(ast.parse("".join(parts), mode="eval").body)
    except (SyntaxError, IndexError, ZeroDivisionError, OverflowError) as exc:
        raise PortError(f"cannot evaluate a port width: {exc}") from exc


def _split(toks: list[Token], sep: str = ",") -> list[list[Token]]:
    """Split at `sep` outside brackets."""
    out: list[list[Token]] = [[]]
    depth = 0
    for tok in toks:
        if tok.kind == "op" and tok.text in "([{":
            depth += 1
        elif tok.kind == "op" and tok.text in ")]}":
            depth -= 1
        if depth == 0 and tok.kind == "op" and tok.text == sep:
            out.append([])
        else:
            out[-1].append(tok)
    return [part for part in out if part]


def _group(toks: list[Token], start: int) -> int:
    """Index just past the bracket group opening at `start`."""
    depth = 0
    for i in range(start, len(toks)):
        if toks[i].kind == "op" and toks[i].text in "([{":
            depth += 1
        elif toks[i].kind == "op" and toks[i].text in ")]}":
            depth -= 1
            if depth == 0:
                return i + 1
    raise PortError("unbalanced brackets in the module header")


def _params(toks: list[Token], params: dict[str, int]) -> None:
    """Record every `parameter`/`localparam NAME = expr` in `toks` that evaluates to an integer."""
    for i, tok in enumerate(toks):
        if tok.kind == "ident" and tok.text in ("parameter", "localparam"):
            j = i + 1
            end = next((k for k in range(j, len(toks)) if toks[k].text == ";"), len(toks))
            for item in _split(toks[j:end]):
                if "=" in [t.text for t in item]:
                    eq = [t.text for t in item].index("=")
                    with contextlib.suppress(PortError):  # not a width: not needed here
                        params[item[eq - 1].text] = _evaluate(item[eq + 1 :], params)


def _declaration(item: list[Token], direction: str, params: dict[str, int]) -> Port:
    """One port declaration without its direction keyword: types, packed dims, name."""
    width, signed, i = 1, False, 0
    while i < len(item) and item[i].kind == "ident" and item[i].text in _SKIP | _FIXED.keys():
        signed = signed or item[i].text == "signed"
        width = _FIXED.get(item[i].text, width)
        i += 1
    while i < len(item) and item[i].text == "[":
        end = _group(item, i)
        bounds = _split(item[i + 1 : end - 1], ":")
        if len(bounds) != 2:
            raise PortError(f"port range must be [msb:lsb] (line {item[i].line})")
        width *= abs(_evaluate(bounds[0], params) - _evaluate(bounds[1], params)) + 1
        i = end
    rest = item[i:]
    if not rest or rest[0].kind not in ("ident", "escaped"):
        raise PortError(f"cannot read a port declaration near line {item[0].line}")
    if len(rest) > 1 and rest[1].text != "=":
        kind = "unpacked array" if rest[1].text == "[" else f"type {rest[0].text!r}"
        raise PortError(f"unsupported port ({kind}) near line {rest[0].line}")
    return Port(rest[0].text, direction, width, signed)


def parse_ports(text: str, module: str) -> list[Port]:
    """The ports of `module` in `text`, in header order; raises PortError when not exact."""
    toks = tokens(text)
    at = next(
        (
            i
            for i in range(len(toks) - 1)
            if toks[i].text == "module" and toks[i + 1].text == module
        ),
        None,
    )
    if at is None:
        raise PortError(f"no module named {module!r}; the design must define it")
    end = next((i for i in range(at, len(toks)) if toks[i].text == "endmodule"), len(toks))
    params: dict[str, int] = {}
    i = at + 2
    if i < len(toks) and toks[i].text == "#":
        close = _group(toks, i + 1)
        _params([Token("ident", "parameter", 0), *toks[i + 2 : close - 1]], params)
        i = close
    if i >= len(toks) or toks[i].text != "(":
        return []  # `module m;` has no ports
    close = _group(toks, i)
    header, body = _split(toks[i + 1 : close - 1]), toks[close:end]
    _params(body, params)
    ports: list[Port] = []
    direction = ""
    if header and header[0][0].text in DIRECTIONS:  # ANSI header
        for item in header:
            if item[0].text in DIRECTIONS:
                direction, item = item[0].text, item[1:]
                ports.append(_declaration(item, direction, params))
            elif ports and (len(item) == 1 or item[1].text == "="):  # `, b` repeats the type
                ports.append(Port(item[0].text, direction, ports[-1].width, ports[-1].signed))
            else:
                ports.append(_declaration(item, direction, params))
        return ports
    order = [item[0].text for item in header]
    declared: dict[str, Port] = {}
    for statement in _split(body, ";"):
        if statement[0].text in DIRECTIONS:
            items = _split(statement[1:])
            head = _declaration(items[0], statement[0].text, params)
            for item in items:
                prefix = items[0][: len(items[0]) - 1]
                port = (
                    head
                    if item is items[0]
                    else _declaration([*prefix, *item], head.direction, params)
                )
                declared[port.name] = port
    missing = [name for name in order if name not in declared]
    if missing or any(len(item) != 1 for item in header):
        raise PortError(f"ports without a direction declaration: {', '.join(missing) or '?'}")
    return [declared[name] for name in order]
