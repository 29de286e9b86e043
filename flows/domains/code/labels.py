"""Tests for tasks that come without them: generated inputs, outputs labelled by agreement.

Input-generator programs (the `inputgen` role) make inputs in the sandbox
(`verifiers.python.inputs`); k sampled solutions run on every kept input
(`verifiers.python.outputs`; `verifiers.program.outputs` for programs in other languages, and for
the solutions a task brought in languages other than its own, which vote too: an output carries no
language). An input gets a label when at least `share` of the programs that ran on it, and at
least `min_agree` of them, give the same output by the task's own comparison (tokens, exact or
floats for stdin/stdout programs; plain-data equality with float tolerance for functions).
rStar-Coder found such labels far more often right than expected values a model writes. Each
labelled pair becomes a pool test that records its agreement (on a task with a reference it counts
only once it passes there). Majority selection votes on the same classes of outputs (`classes`), so
the vote and the label never disagree on what is the same answer. Nothing here runs code.
"""

from __future__ import annotations

import ast
import json
import math
import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from assay.flows.config_sections import LabelsConfig
from assay.flows.domains.code.languages import PROGRAM, program_outputs_item, verifier_of
from assay.flows.roles.signature import parameters
from assay.flows.roles.stdio import is_stdio
from assay.schemas.records import Candidate, Status, Task, Verdict, content_id
from assay.verifiers.python.check import same_value
from assay.verifiers.python.plaindata import decode
from assay.verifiers.python.stdio import same_output


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
    """One `python-outputs` item: a solution and the inputs to run it on (a `program-outputs`
    item for a task the program verifier judges)."""
    if verifier_of(task) == PROGRAM:
        return program_outputs_item(task, cand.text, list(inputs), cand.id, cfg.max_input_bytes)
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


def classes(task: Task, outputs: Sequence[str | None]) -> list[int | None]:
    """Each output's class by the task's own comparison (`same`, the checker's): the index of
    the first output it equals; None stays None. Outputs the checker calls equal share a class,
    so 0.1 + 0.2 and 0.3 vote together where the checker passes one for the other (`floats`,
    plain data) and apart where it does not (`tokens`, `exact`). Every member equals its class's
    first output, so a label made from that output passes everyone who voted for it. (Equality
    within a tolerance is not transitive: of a chain a ≈ c ≈ b with a ≉ b, c joins a's class.)"""
    firsts: list[tuple[int, str]] = []
    out: list[int | None] = []
    for i, o in enumerate(outputs):
        home = None if o is None else next((k for k, f in firsts if same(task, f, o)), None)
        if o is not None and home is None:
            firsts.append((i, o))
            home = i
        out.append(home)
    return out


def label(
    task: Task, inputs: Sequence[str], records: Sequence[Verdict], cfg: LabelsConfig
) -> list[Label]:
    """The labels by agreement. A solution ran on an input when its record has an entry for it
    (an output, or None: it crashed there); a solution that did not load casts no vote."""
    labels = []
    votes = [v.evidence.get("outputs", []) for v in sorted(records, key=lambda v: v.candidate_id)]
    for j, text in enumerate(inputs):
        cast = [outs[j] for outs in votes if j < len(outs)]
        sizes = Counter(c for c in classes(task, cast) if c is not None)
        if not sizes:
            continue
        best, agree = sizes.most_common(1)[0]  # the first largest class, in candidate order
        if agree >= cfg.min_agree and agree >= cfg.share * len(cast):
            labels.append(Label(text, str(cast[best]), agree, len(cast)))
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


def signatures(
    task: Task, ids: Sequence[str], records: Mapping[str, Verdict]
) -> list[tuple[int | None, ...]]:
    """Each solution's outputs (by candidate id; none without a record) as a hashable vote for
    majority selection: per input, its output's class among all solutions' outputs there
    (`classes`, taken in candidate id order so arrival order never matters). Two solutions
    vote together when the checker calls their outputs equal on every input."""
    order = sorted(range(len(ids)), key=lambda i: ids[i])
    outs = [records[ids[i]].evidence.get("outputs", []) if ids[i] in records else [] for i in order]
    width = max(map(len, outs), default=0)
    columns = [classes(task, [o[j] if j < len(o) else None for o in outs]) for j in range(width)]
    votes = [tuple(col[k] for col in columns[: len(o)]) for k, o in enumerate(outs)]
    by_index = dict(zip(order, votes, strict=True))
    return [by_index[i] for i in range(len(ids))]
