"""Tests for tasks that come without them: generated inputs, outputs labelled by agreement.

Input-generator programs (the `inputgen` role) make inputs in the sandbox (`verifiers.inputs`);
k sampled solutions run on every kept input (`verifiers.outputs`). An input gets a label when at
least `share` of the solutions that ran on it, and at least `min_agree` of them, give the same
output by the task's own comparison (tokens, exact or floats for stdin/stdout programs;
plain-data equality with float tolerance for functions). rStar-Coder found such labels far more
often right than expected values a model writes. Each labelled pair becomes a pool test that
records its agreement; nothing here runs code.
"""

from __future__ import annotations

import ast
import json
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from assay.flows.config_sections import LabelsConfig
from assay.flows.roles.signature import parameters
from assay.flows.roles.stdio import is_stdio
from assay.schemas.records import Candidate, Status, Task, Verdict, content_id
from assay.verifiers.plaindata import decode
from assay.verifiers.python_check import same_value
from assay.verifiers.stdio_check import same_output


def applies(task: Task, cfg: LabelsConfig) -> bool:
    """`untested`: function tasks with neither trusted tests nor a reference (a reference
    validates generated asserts already), stdin/stdout tasks without tests (no role writes
    tests for a program); `always`: every task."""
    if cfg.when == "always":
        return True
    return cfg.when == "untested" and not task.tests and (is_stdio(task) or not task.reference)


def kind_of(task: Task) -> str:
    return "stdio" if is_stdio(task) else "function"


def scales(cfg: LabelsConfig, key: str) -> list[int]:
    """`cfg.inputs` scales drawn log-uniformly from 1..max_scale (small inputs catch edge cases,
    large ones slow or overflowing solutions), seeded by `key` so a rerun asks for the same."""
    rng = random.Random(content_id("scales", key))
    top = math.log(cfg.max_scale)
    return [
        min(cfg.max_scale, max(1, round(math.exp(rng.uniform(0, top))))) for _ in range(cfg.inputs)
    ]


def inputs_item(cand: Candidate, task: Task, cfg: LabelsConfig) -> dict[str, Any]:
    """One `python-inputs` item: the generator program and its scales."""
    return {
        "id": cand.id,
        "code": cand.text,
        "kind": kind_of(task),
        "scales": scales(cfg, cand.id),
        "max_input_bytes": cfg.max_input_bytes,
        "arity": None if is_stdio(task) or (found := parameters(task)) is None else len(found),
    }


def kept_inputs(verdicts: Sequence[Verdict]) -> dict[str, tuple[str, ...]]:
    """Every distinct kept input, by generator program id order, with the programs that made it."""
    made: dict[str, list[str]] = {}
    for v in sorted(verdicts, key=lambda v: v.candidate_id):
        for text in v.evidence.get("inputs", []) if v.status is Status.PASS else []:
            made.setdefault(str(text), []).append(v.candidate_id)
    return {text: tuple(ids) for text, ids in made.items()}


def inputs_key(inputs: Sequence[str]) -> str:
    """What output records are checked against: the inputs they ran on."""
    return "inputs:" + content_id("inputs", list(inputs))


def outputs_item(cand: Candidate, task: Task, inputs: Sequence[str], cfg: LabelsConfig) -> dict:
    """One `python-outputs` item: a solution and the inputs to run it on."""
    return {
        "id": cand.id,
        "code": cand.text,
        "kind": kind_of(task),
        "inputs": list(inputs),
        "entry_point": task.entry_point,
        "setup": task.setup,
        "max_output_bytes": cfg.max_input_bytes,
    }


@dataclass(frozen=True)
class Label:
    """An input, the output most solutions agreed on, and how many did (of how many ran)."""

    input: str
    output: str
    agree: int
    ran: int

    @property
    def share(self) -> float:
        return self.agree / self.ran if self.ran else 0.0


def same(task: Task, a: str, b: str) -> bool:
    """Two recorded outputs are the same answer by the task's own comparison."""
    if is_stdio(task):
        return same_output(a, b, task.meta.get("checker", "tokens"))
    return bool(same_value(decode(json.loads(a)), decode(json.loads(b))))


def label(
    task: Task, inputs: Sequence[str], records: Sequence[Verdict], cfg: LabelsConfig
) -> list[Label]:
    """The labels by agreement. A solution ran on an input when its record has an entry for it
    (an output, or None: it crashed there); a solution that did not load casts no vote."""
    labels = []
    votes = [v.evidence.get("outputs", []) for v in sorted(records, key=lambda v: v.candidate_id)]
    for j, text in enumerate(inputs):
        cast = [outs[j] for outs in votes if j < len(outs)]
        groups: list[list[str]] = []
        for out in (o for o in cast if isinstance(o, str)):
            home = next((g for g in groups if same(task, g[0], out)), None)
            if home is None:
                groups.append([out])
            else:
                home.append(out)
        if not groups:
            continue
        best = max(groups, key=len)  # the first largest group, in candidate order
        if len(best) >= cfg.min_agree and len(best) >= cfg.share * len(cast):
            labels.append(Label(text, best[0], len(best), len(cast)))
    return labels


def test_text(task: Task, lab: Label) -> str | None:
    """The pool test of a label, recording its agreement; None when the value has no literal
    form an assert could state (a NaN, an infinity)."""
    note = f"{lab.agree}/{lab.ran}"
    if is_stdio(task):
        data = {"stdin": lab.input, "stdout": lab.output, "agreement": note}
        return json.dumps(data, sort_keys=True)
    value = decode(json.loads(lab.output))
    literal = repr(value)
    try:
        if not same_value(ast.literal_eval(literal), value):
            return None
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    return f"assert {task.entry_point}{lab.input} == {literal}  # agreement {note}"


def signature(task: Task, record: Verdict | None) -> tuple[Any, ...]:
    """A solution's outputs as a hashable vote for majority selection: tokens of each stdout,
    or each value's plain-data form (None where it gave no output)."""
    outs = record.evidence.get("outputs", []) if record is not None else []
    if is_stdio(task):
        return tuple(tuple(o.split()) if isinstance(o, str) else None for o in outs)
    return tuple(outs)
