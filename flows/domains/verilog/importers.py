"""VerilogEval spec-to-rtl problems (a folder of `<name>_prompt.txt` + `<name>_ref.sv`) → Tasks.

The golden `RefModule` becomes the task's trusted reference, and the verifier writes its own
testbench from it, so the upstream `*_test.sv` is not read. A prompt without its reference (or
the reverse) is an error naming the file: a silently dropped problem would skew pass rates.
"""

from __future__ import annotations

from pathlib import Path

from assay.schemas.records import Task

PROMPT = "_prompt.txt"
REFERENCE = "_ref.sv"
FORMAT = "verilogeval"


class VerilogEvalError(ValueError):
    """A folder that is not a VerilogEval spec-to-rtl set; the message names the file."""


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise VerilogEvalError(f"{path}: not UTF-8 text: {exc}") from None


def load_verilogeval(folder: Path) -> list[Task]:
    """Every problem in the folder, sorted by name (VerilogEval's `ProbNNN_` order)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise VerilogEvalError(f"{folder}: format verilogeval wants a folder of *{PROMPT} files")
    prompts = {p.name.removesuffix(PROMPT): p for p in folder.glob(f"*{PROMPT}")}
    refs = {p.name.removesuffix(REFERENCE): p for p in folder.glob(f"*{REFERENCE}")}
    if not prompts:
        raise VerilogEvalError(f"{folder}: no *{PROMPT} files")
    unpaired = sorted(prompts.keys() ^ refs.keys())
    if unpaired:
        name = unpaired[0]
        have, want = (PROMPT, REFERENCE) if name in prompts else (REFERENCE, PROMPT)
        raise VerilogEvalError(f"{folder / (name + have)}: no matching {name}{want}")
    tasks = []
    for name in sorted(prompts):
        prompt, reference = _read(prompts[name]).strip(), _read(refs[name])
        if not prompt:
            raise VerilogEvalError(f"{prompts[name]}: empty prompt")
        if "RefModule" not in reference:
            raise VerilogEvalError(f"{refs[name]}: no module named RefModule")
        tasks.append(
            Task(
                domain="verilog",
                source=FORMAT,
                name=name,
                prompt=prompt + "\n",
                entry_point="TopModule",
                reference=reference,
                meta={"format": FORMAT, "problem": name},
            )
        )
    return tasks
