"""Reading RTL and specs out of model completions, on text only (nothing here runs them).

A design is the span from its first `module` to its last `endmodule`, taken from the last fenced
block that holds one (earlier blocks are often drafts), or from bare text when the model wrote no
fence. A lone module under another name is renamed to the one asked for, since
the verifier binds by module name and small models often keep VerilogEval v1's `top_module`.
"""

from __future__ import annotations

import re

from assay.flows.roles.fences import blocks_in, fenced_blocks, has_fence

RTL_LANGS = frozenset({"", "verilog", "systemverilog", "sv", "v"})
_MODULE = re.compile(r"^[ \t]*(?:macro)?module\s+(?:(?:automatic|static)\s+)?([A-Za-z_]\w*)", re.M)
_END = re.compile(r"\bendmodule\b")
_CODE_IN_PROSE = re.compile(r"\bendmodule\b|\balways\s*@|\bassign\s+\w+(\[[^\]]*\])?\s*=|```")
MIN_SPEC_CHARS = 40


def _design(block: str, top: str) -> str | None:
    """The module(s) in one block, with `top` among them, or None. A last module left without
    its `endmodule` (cut at max_tokens, or the model stopped) gets one: the compiler, not the
    extractor, says whether the rest is Verilog."""
    starts = list(_MODULE.finditer(block))
    if not starts:
        return None
    ends = list(_END.finditer(block))
    if ends and ends[-1].start() > starts[-1].start():
        code = block[starts[0].start() : ends[-1].end()]
    else:
        code = block[starts[0].start() :].rstrip() + "\nendmodule"
    code = code.strip("\n") + "\n"
    names = [m.group(1) for m in starts]
    if top in names:
        return code
    if len(names) == 1:
        return re.sub(rf"\b{re.escape(names[0])}\b", top, code)
    return None


def extract_rtl(text: str, top: str = "TopModule") -> str | None:
    """The design in a completion (module `top` and its helpers), or None if there is none."""
    blocks = blocks_in(text, RTL_LANGS) if has_fence(text) else []
    for source in [*reversed(blocks), text]:
        code = _design(source, top)
        if code is not None:
            return code
    return None


def extract_spec(text: str) -> str | None:
    """A prose specification: fenced blocks dropped; None when code leaks into the prose (a
    spec that restates the RTL would make the round trip trivial) or too little is left."""
    for block in fenced_blocks(text):
        text = text.replace(block.body, "")
    prose = "\n".join(line for line in text.splitlines() if not line.strip().startswith("```"))
    prose = prose.strip()
    if len(prose) < MIN_SPEC_CHARS or _CODE_IN_PROSE.search(prose):
        return None
    return prose + "\n"
