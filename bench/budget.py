"""Fixed-n sampling against `solver.policy: dart` at the same budget, through the code flow.

A population of `--tasks` small tasks whose samples are right with a per-task probability
(40% of tasks 0.8, 30% 0.3, 20% 0.05, 10% 0), answered by a planted replay generator (a
sample's fate follows from its task, wave and place, so both policies draw from the same
luck) and judged by a planted verifier that reads the sample's marker (no sandbox: the bench
measures where the budget goes, not checks). Fixed gives every task `--n` samples; dart waves of
`--wave` up to `--max-n`, the same budget (`n` × tasks). "Hard" tasks are those of pass
probability 0.05 or 0.

    uv run python bench/budget.py                        # 1,000 tasks
    uv run python bench/budget.py --local-model          # then the bundled code seeds on the
                                                         # local model (needs the model)

The last line is `hard_solved_fixed=A hard_solved_dart=B solved_fixed=C solved_dart=D
generated_fixed=E generated_dart=F` (of the replay population; goal B ≥ 1.5 A, D ≥ C, F ≤ E).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from assay.flows.config import RunConfig, load_config
from assay.flows.domains import get
from assay.flows.engine.compute import Compute
from assay.flows.engine.rounds import run_programs
from assay.flows.progress import Progress
from assay.flows.sources import load_tasks
from assay.schemas.query import query
from assay.schemas.records import Outcome, Status, Verdict
from assay.verifiers.python.check import PythonVerifier
from assay.verifiers.registry import register
from assay.workers.api import Completion, Request
from assay.workers.replay import ReplayGenerator

RATES = [(0.4, 0.8), (0.3, 0.3), (0.2, 0.05), (0.1, 0.0)]  # share of tasks, pass probability
HARD = 0.05  # tasks this hard or harder are "hard"


@register("bench-marked")
class Marked(PythonVerifier):
    """Passes a sample that carries the right marker, on every test; no sandbox."""

    name = "bench-marked"

    def check(self, item: Any, sandbox: Any, limits: Any) -> Verdict:
        ok = "RIGHT" in item.code
        status = Status.PASS if ok else Status.FAIL
        outcomes = tuple(Outcome(str(j), status, "") for j in range(len(item.tests)))
        return Verdict(str(item.id), "python", status, len(item.tests) if ok else 0,
                       len(item.tests), outcomes)  # fmt: skip


def rate_of(k: int, tasks: int) -> float:
    """Task k's pass probability: the population's shares, in blocks spread over the tasks."""
    place, start = (k * 7919) % tasks / tasks, 0.0
    for share, rate in RATES:
        start += share
        if place < start:
            return rate
    return RATES[-1][1]


def write_tasks(folder: Path, tasks: int) -> Path:
    path = folder / "tasks.jsonl"
    with path.open("w") as fh:
        for k in range(tasks):
            line = {"name": f"add{k}", "prompt": f"Write f(x) returning x + {k}.",
                    "entry_point": "f", "reference": f"def f(x):\n    return x + {k}\n",
                    "tests": [f"assert f(1) == {k + 1}"],
                    "meta": {"rate": rate_of(k, tasks)}}  # fmt: skip
            fh.write(json.dumps(line) + "\n")
    return path


class Population(ReplayGenerator):
    """Right with the task's probability, decided by a hash of (task, sample place): the
    place counts over the task's waves, so fixed's sample i and dart's are the same draw."""

    def __init__(self, rates: dict[str, float], wave: int) -> None:
        super().__init__({})
        self.rates, self.wave, self.generated, self.prompts = rates, wave, 0, 0

    def generate(self, requests: list[Request]) -> list[Completion]:
        self.calls += 1
        self.prompts += len(requests)
        out = []
        for r in requests:
            task, *_, last = r.key.split(":")
            first = int(last[1:]) * self.wave if last.startswith("w") else 0
            texts = []
            for i in range(r.sampling.n):
                draw = hashlib.sha256(f"{task}/{first + i}".encode()).digest()
                right = int.from_bytes(draw[:8], "big") / 2**64 < self.rates[task]
                mark = "RIGHT" if right else "WRONG"
                texts.append(f"```python\ndef f(x):\n    return x\n\n{mark} = {first + i}\n```")
            self.generated += r.sampling.n
            out.append(Completion(r.key, tuple(texts), self.model))
        return out


def run(config: RunConfig, generator: Any, verifier: str) -> dict[str, Any]:
    parts = get(config.domain).flow()
    state = parts.open_state(config)
    started = time.perf_counter()
    with Compute.local(generator, verifier, state.limits, jobs=2, batch=256) as compute:
        run_programs(state, parts, compute, Progress(quiet=True))
    counts = state.finish()
    counts["seconds"] = time.perf_counter() - started
    return counts


def solved_by_rate(dataset: Path) -> dict[float, int]:
    rows = query(
        dataset,
        "SELECT CAST(json_extract(t.meta, '$.rate') AS DOUBLE) AS rate, "
        "count(DISTINCT s.task_id) AS n FROM samples s JOIN tasks t ON t.id = s.task_id GROUP BY 1",
    ).to_pylist()
    return {r["rate"]: r["n"] for r in rows}


def replay(args: argparse.Namespace, folder: Path) -> str:
    tasks = write_tasks(folder, args.tasks)
    common = [f"tasks=[{{file: {tasks}}}]", "tester.n=0", "repair.rounds=0", "select.keep=1",
              "store.compact=false", "curate.enabled=false"]  # fmt: skip
    out: dict[str, dict[str, float]] = {}
    for policy, more in (
        ("fixed", [f"solver.n={args.n}"]),
        ("dart", ["solver.policy=dart", f"solver.n={args.wave}", f"solver.max_n={args.max_n}",
                  f"solver.budget={args.n * args.tasks}", f"solver.zero_share={args.zero_share}"]),
    ):  # fmt: skip
        config = load_config(None, [f"dataset={folder / policy}", *common, *more])
        rates = {t.id: float(t.meta["rate"]) for t in load_tasks(config)}
        gen = Population(rates, args.wave)
        counts = run(config, gen, "bench-marked")
        by_rate = solved_by_rate(folder / policy)
        out[policy] = {
            "hard": sum(n for r, n in by_rate.items() if r <= HARD),
            "solved": sum(by_rate.values()),
            "generated": gen.generated,
        }
        bands = " ".join(f"p={r}:{n}" for r, n in sorted(by_rate.items(), reverse=True))
        print(f"{policy:5s} solved {out[policy]['solved']:.0f} ({bands}), generated "
              f"{gen.generated} in {gen.calls} calls ({gen.prompts / gen.calls:.0f} prompts "
              f"each), {counts['seconds']:.0f}s", file=sys.stderr)  # fmt: skip
    f, d = out["fixed"], out["dart"]
    return (
        f"hard_solved_fixed={f['hard']:.0f} hard_solved_dart={d['hard']:.0f} "
        f"solved_fixed={f['solved']:.0f} solved_dart={d['solved']:.0f} "
        f"generated_fixed={f['generated']:.0f} generated_dart={d['generated']:.0f}"
    )


def local_model(args: argparse.Namespace, folder: Path) -> str:
    """The bundled code seeds on the local model (the run's real checks), fixed vs dart."""
    from assay.workers.spec import GeneratorSpec

    out = {}
    for policy, more in (
        ("fixed", [f"solver.n={args.model_n}"]),
        ("dart", ["solver.policy=dart", f"solver.n={args.model_wave}",
                  f"solver.max_n={args.model_max_n}", f"solver.zero_share={args.zero_share}"]),
    ):  # fmt: skip
        base = [f"dataset={folder / ('model-' + policy)}", "repair.rounds=0",
                "curate.enabled=false", f"tasks=[{{seed: code, limit: {args.model_tasks}}}]",
                *more]  # fmt: skip
        if policy == "dart":  # the same budget as fixed: n × tasks
            tasks = len(load_tasks(load_config(None, base)))
            base.append(f"solver.budget={args.model_n * tasks}")
        config = load_config(None, base)
        gen = GeneratorSpec.of(config.generator).build()
        counts = run(config, gen, "python")
        out[policy] = counts
        print(
            f"model {policy}: {counts['tasks_solved']}/{counts['tasks']} solved, "
            f"{counts['solutions']} solutions, {counts['seconds']:.0f}s",
            file=sys.stderr,
        )
    return (f"model_solved_fixed={out['fixed']['tasks_solved']} "
            f"model_solved_dart={out['dart']['tasks_solved']}")  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tasks", type=int, default=1000)
    p.add_argument("--n", type=int, default=8, help="fixed: samples per task")
    p.add_argument("--wave", type=int, default=2, help="dart: samples per wave")
    p.add_argument("--max-n", type=int, default=32, help="dart: most samples per task")
    p.add_argument("--zero-share", type=float, default=0.75)
    p.add_argument("--local-model", action="store_true", help="also the code seeds on a model")
    p.add_argument("--model-tasks", type=int, default=14, help="the model's seed tasks")
    p.add_argument("--model-n", type=int, default=4, help="the model, fixed: samples per task")
    p.add_argument("--model-wave", type=int, default=2, help="the model, dart: per wave")
    p.add_argument("--model-max-n", type=int, default=8, help="the model, dart: most per task")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        last = replay(args, Path(tmp))
        if args.local_model:
            print(local_model(args, Path(tmp)))
    print(last)


if __name__ == "__main__":
    main()
