"""Static anti-cheat on a proof body, cheapest first: run before any Lean process is touched.

The body is scanned after comments and strings are blanked, so a banned word in a comment is
harmless and one hidden in a string cannot slip through a naive scan. Each rule names what it
prevents; a hit means status `cheat` with the rule in the evidence.
"""

from __future__ import annotations

import re

from assay.verifiers.lean.source import blank

# word -> why it is banned in a proof body
BANNED_WORDS: dict[str, str] = {
    "sorry": "leaves the goal unproved",
    "admit": "leaves the goal unproved",
    "stop": "admits every remaining goal",
    "axiom": "adds an assumption",
    "native_decide": "trusts the compiler (Lean.ofReduceBool)",
    "native": "decide +native trusts the compiler",
    "ofReduceBool": "trusts the compiler",
    "ofReduceNat": "trusts the compiler",
    "implemented_by": "swaps the code that runs",
    "extern": "swaps the code that runs",
    "unsafe": "escapes the kernel",
    "run_cmd": "runs meta code",
    "run_tac": "runs meta code",
    "run_elab": "runs meta code",
    "run_meta": "runs meta code",
    "by_elab": "runs meta code",
    "elab": "defines an elaborator",
    "elab_rules": "defines an elaborator",
    "macro": "defines a macro",
    "macro_rules": "defines a macro",
    "syntax": "extends the parser",
    "notation": "redefines notation",
    "infix": "redefines notation",
    "infixl": "redefines notation",
    "infixr": "redefines notation",
    "prefix": "redefines notation",
    "postfix": "redefines notation",
    "instance": "local instance tricks",
    "attribute": "changes attributes of existing constants",
    "IO": "runs IO",
    "unsafeIO": "runs IO",
    "unsafeBaseIO": "runs IO",
    "unsafeEIO": "runs IO",
    "initialize": "runs IO at import",
    "builtin_initialize": "runs IO at import",
}
# Top-level commands: a proof body that has them restates or adds declarations.
COMMANDS = [
    "theorem",
    "lemma",
    "def",
    "abbrev",
    "example",
    "structure",
    "inductive",
    "class",
    "namespace",
    "section",
    "end",
    "universe",
    "variable",
    "import",
    "opaque",
    "mutual",
    "export",
]
SEARCH_TACTICS = re.compile(r"(?<![\w.'])(apply\?|exact\?|rw\?|rw_search\?|hint\b)")
HASH_COMMAND = re.compile(r"#[A-Za-z_]")  # #eval, #exit, #print, ... (not #[ array literals)
SET_OPTION = re.compile(r"\bset_option\s+([\w.]+)")
SAFE_OPTIONS = ("maxRecDepth", "maxHeartbeats", "synthInstance.", "linter.", "pp.", "Elab.async")
_IDENT = re.compile(r"(?<![\w.'!?])[A-Za-z_][\w'!?]*")


def problems(proof: str, extra: tuple[str, ...] = ()) -> list[str]:
    """Every rule the proof body breaks, in reading order; empty when it is clean."""
    code = blank(proof)
    found: list[str] = []
    if not code.strip():
        found.append("empty proof")
    banned = {**BANNED_WORDS, **{w: "banned by config" for w in extra}}
    for match in _IDENT.finditer(code):
        word = match.group(0)
        if word in banned:
            found.append(f"`{word}`: {banned[word]}")
        elif word in COMMANDS:
            found.append(f"`{word}`: a proof body must not declare or restate anything")
    for match in SEARCH_TACTICS.finditer(code):
        found.append(f"`{match.group(1)}`: library search closes goals with suggestions")
    for match in HASH_COMMAND.finditer(code):
        found.append(f"`{code[match.start() : match.start() + 12].split()[0]}`: commands run code")
    for match in SET_OPTION.finditer(code):
        if not match.group(1).startswith(SAFE_OPTIONS):
            found.append(f"`set_option {match.group(1)}`: not an allowed option")
    return found
