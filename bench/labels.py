"""How right are labels by agreement? Tasks that have a reference (HumanEval from
../shared/benchmarks, MBPP if given, the bundled stdio problems): the local model writes input
generators and k solutions; the labels they agree on are compared with the reference's output on
the same input (a), as are the expected values of the tester role's asserts (b); and planted
wrong solutions (single-point mutants of the reference) are run on the generated tests and on
the task's original tests (c).

    uv run python bench/labels.py --tasks 4
    ... last line: agreement_label_accuracy=A tester_label_accuracy=T
                   mutants_rejected_generated=G mutants_rejected_original=O
"""

from __future__ import annotations

import argparse
import ast
import json
import time
from pathlib import Path
from typing import Any

from assay.flows.config_sections import LabelsConfig, RoleSampling
from assay.flows.domains.code import labels as lb
from assay.flows.domains.code.importers import load
from assay.flows.domains.code.stages import check_item, to_candidates
from assay.flows.engine.sampling import sampling_for
from assay.flows.roles import get_role
from assay.flows.roles.stdio import is_stdio
from assay.schemas.records import Candidate, Role, Status, Task, Verdict
from assay.verifiers.python.check import check, parse_test, same_value
from assay.verifiers.python.inputs import InputsItem, InputsVerifier, canonical
from assay.verifiers.python.outputs import record_outputs
from assay.verifiers.python.plaindata import decode
from assay.verifiers.python.stdio import check_stdio
from assay.verifiers.sandbox import Limits, Sandbox, open_sandbox
from assay.workers.registry import build

ROOT = Path(__file__).resolve().parents[1]
HUMANEVAL = ROOT / ".." / "shared" / "benchmarks" / "humaneval" / "HumanEval.jsonl.gz"
STDIO = ROOT / "examples" / "stdio" / "problems.jsonl"
LIMITS = Limits(wall_s=5, cpu_s=5, memory_mb=512)


SWAP: dict[type, type] = {  # operator → its mutant
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq, ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Add,
    ast.FloorDiv: ast.Mult, ast.Mod: ast.FloorDiv,
}  # fmt: skip


class _Mutate(ast.NodeTransformer):
    """Changes the `target`-th mutable point: a comparison, an arithmetic operator, an int."""

    def __init__(self, target: int) -> None:
        self.target, self.seen = target, -1

    def _hit(self) -> bool:
        self.seen += 1
        return self.seen == self.target

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        if type(node.ops[0]) in SWAP and self._hit():
            node.ops[0] = SWAP[type(node.ops[0])]()
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        if type(node.op) in SWAP and self._hit():
            node.op = SWAP[type(node.op)]()
        return node

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if type(node.value) is int and self._hit():
            return ast.copy_location(ast.Constant(node.value + 1), node)
        return node


def mutants(reference: str, limit: int) -> list[str]:
    """Up to `limit` single-point mutants of `reference`, spread over its mutable points."""
    count = _Mutate(10**9)
    count.visit(ast.parse(reference))
    points = count.seen + 1
    step = max(1, points // limit) if points else 1
    out = []
    for target in range(0, points, step)[:limit]:
        text = ast.unparse(_Mutate(target).visit(ast.parse(reference))) + "\n"
        if text.strip() != ast.unparse(ast.parse(reference)).strip():
            out.append(text)
    return out


def _ask(generator: Any, task: Task, role: str, n: int, index: int, **ctx: Any) -> list[Candidate]:
    section = RoleSampling(n=n, temperature=0.8, max_tokens=400)
    sampling = sampling_for(section, 1000 * index)
    request = get_role("code", role).build(task, sampling, key=f"{task.id}:{role}", **ctx)
    (completion,) = generator.generate([request])
    return to_candidates(task, Role(role), completion, sampling)


def _reference_values(task: Task, inputs: list[str], box: Sandbox) -> list[str | None]:
    kind = lb.kind_of(task)
    ref = record_outputs("ref", task.reference, kind, inputs, box, LIMITS, task.entry_point,
                         task.setup)  # fmt: skip
    outs = list(ref.evidence.get("outputs", []))
    return outs + [None] * (len(inputs) - len(outs))


def _tester_accuracy(task: Task, tests: list[str], box: Sandbox) -> tuple[int, int]:
    """Model-written expected values that equal the reference's on the same call."""
    calls, expected = [], []
    for test in tests:
        parsed = parse_test(test)
        try:
            call = ast.parse(parsed.expr, mode="eval").body if parsed.kind == "value" else None
        except SyntaxError:
            call = None
        if not isinstance(call, ast.Call) or getattr(call.func, "id", "") != task.entry_point:
            continue
        try:
            args = tuple(ast.literal_eval(a) for a in call.args)
        except (ValueError, SyntaxError, TypeError):
            continue
        if call.keywords or not (text := canonical(args, "function")):
            continue
        calls.append(text)
        expected.append(parsed.expected)
    if not calls:
        return 0, 0
    ref = _reference_values(task, calls, box)
    right = sum(
        r is not None and same_value(decode(json.loads(r)), e)
        for r, e in zip(ref, expected, strict=True)
    )
    return right, len(calls)


def _rejects(task: Task, code: str, tests: list[str], box: Sandbox) -> bool:
    item = check_item(task, code, tests, "mutant")
    if is_stdio(task):
        verdict = check_stdio("m", code, tests, box, LIMITS, item.get("checker", "tokens"))
    else:
        verdict = check("m", code, tests, box, LIMITS, task.setup, task.entry_point)
    return verdict.status is not Status.PASS


def check_item_inputs(cand: Candidate, task: Task, cfg: LabelsConfig, box: Sandbox) -> Verdict:
    """A generator program run as the flow runs it (`python-inputs` on the flow's item)."""
    item = InputsItem.model_validate(lb.inputs_item(cand, task, cfg))
    return InputsVerifier().check(item, box, LIMITS)


def _dump(path: Path, task: Task, **parts: Any) -> None:
    """Everything behind one task's figures, to read when a task gets no label or a wrong one."""
    path.mkdir(parents=True, exist_ok=True)
    name = task.name.replace("/", "_")
    (path / f"{name}.json").write_text(json.dumps(parts, indent=1, default=str))


def bench_task(
    task: Task,
    index: int,
    generator: Any,
    box: Sandbox,
    cfg: LabelsConfig,
    dump: Path | None = None,
) -> dict:
    kind = lb.kind_of(task)
    gens = _ask(generator, task, "inputgen", cfg.generators, index, max_scale=cfg.max_scale)
    checked = [check_item_inputs(c, task, cfg, box) for c in gens]
    inputs = list(lb.kept_inputs(checked))
    sols = _ask(generator, task, "solver", cfg.solutions, index)
    records = [
        record_outputs(c.id, c.text, kind, inputs, box, LIMITS, task.entry_point, task.setup)
        for c in sols
    ] if inputs else []  # fmt: skip
    labels = lb.label(task, inputs, records, cfg)
    ref = dict(zip(inputs, _reference_values(task, inputs, box), strict=True)) if inputs else {}
    right = sum(ref[x.input] is not None and lb.same(task, x.output, ref[x.input]) for x in labels)
    tester = (0, 0)
    if not is_stdio(task):
        testers = _ask(generator, task, "tester", 2, index)
        tester = _tester_accuracy(task, [ln for c in testers for ln in c.text.splitlines()], box)
    generated = [text for x in labels if (text := lb.test_text(task, x)) is not None]
    planted = mutants(task.reference, 6)
    by_generated = sum(_rejects(task, m, generated, box) for m in planted) if generated else 0
    by_original = sum(_rejects(task, m, list(task.tests), box) for m in planted)
    if dump is not None:
        _dump(
            dump, task,
            generators=[{"code": c.text, "outcomes": [o.__dict__ for o in v.outcomes],
                         "stderr": v.stderr_tail} for c, v in zip(gens, checked, strict=True)],
            solutions=[{"code": c.text, "outputs": r.evidence.get("outputs"),
                        "status": r.status, "stderr": r.stderr_tail}
                       for c, r in zip(sols, records, strict=False)],
            inputs=inputs, reference=[ref.get(x) for x in inputs],
            labels=[x.__dict__ for x in labels],
        )  # fmt: skip
    return {
        "task": task.name, "generators": len(gens), "inputs": len(inputs), "solutions": len(sols),
        "labels": len(labels), "labels_right": right, "tester_right": tester[0],
        "tester_total": tester[1], "mutants": len(planted), "rejected_generated": by_generated,
        "rejected_original": by_original,
    }  # fmt: skip


def _tasks(n: int, mbpp: Path | None) -> list[Task]:
    stdio = load(STDIO, "apps")
    funcs = load(HUMANEVAL, "humaneval") if HUMANEVAL.is_file() else []
    if mbpp is not None:
        funcs += load(mbpp, "mbpp")
    mixed: list[Task] = []
    for i in range(max(len(stdio), len(funcs))):  # alternate the two kinds
        mixed += [t for t in (funcs[i] if i < len(funcs) else None,
                              stdio[i] if i < len(stdio) else None) if t is not None]  # fmt: skip
    return [t for t in mixed if t.reference][:n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=6, help="tasks to run (about 3 min each)")
    parser.add_argument("--solutions", type=int, default=8, help="k: solutions that vote")
    parser.add_argument("--generators", type=int, default=2)
    parser.add_argument("--inputs", type=int, default=8, help="calls of each generator")
    parser.add_argument("--mbpp", type=Path, default=None, help="an MBPP JSONL file, if any")
    parser.add_argument("--model", default="qwen2.5-coder-0.5b")
    parser.add_argument("--only", nargs="*", default=None, help="task names to run, if not all")
    parser.add_argument("--dump", type=Path, default=None, help="a folder for per-task JSON")
    args = parser.parse_args()
    cfg = LabelsConfig(solutions=args.solutions, generators=args.generators, inputs=args.inputs,
                       max_scale=50)  # fmt: skip
    generator = build("local", model=args.model, n_ctx=2048)
    generator.setup()
    totals: dict[str, int] = {}
    start = time.monotonic()
    with open_sandbox() as box:
        for index, task in enumerate(_tasks(args.tasks, args.mbpp)):
            if args.only is not None and task.name not in args.only:
                continue
            row = bench_task(task, index, generator, box, cfg, args.dump)
            print(json.dumps(row), flush=True)
            for key, value in row.items():
                if isinstance(value, int):
                    totals[key] = totals.get(key, 0) + value
    print(f"{time.monotonic() - start:.0f}s; totals {json.dumps(totals)}")
    a = totals.get("labels_right", 0) / totals["labels"] if totals.get("labels") else float("nan")
    t = (
        totals["tester_right"] / totals["tester_total"]
        if totals.get("tester_total")
        else float("nan")
    )
    print(
        f"agreement_label_accuracy={a:.3f} tester_label_accuracy={t:.3f} "
        f"mutants_rejected_generated={totals.get('rejected_generated', 0)} "
        f"mutants_rejected_original={totals.get('rejected_original', 0)}"
    )


if __name__ == "__main__":
    main()
