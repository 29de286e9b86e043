"""One domain's planted run as a process of its own, for `test_kill_resume` to SIGKILL mid-run.

`python tests/engine/killable.py <domain> <dataset>` runs the domain's programs to completion as
`assay run` does (check the tasks, open the state, record the start, rounds, finish), but with
the planted generator of that domain's own flow tests and `Compute.local` (no Ray, no Prefect
flow), and with a short wait in every generator call so a kill has time to land between stages.
Run again on the same dataset, it resumes what a killed run left.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "flows")]  # the planted answers live beside tests

from assay.flows.config import RunConfig  # noqa: E402
from assay.flows.domains import get  # noqa: E402
from assay.flows.engine.compute import Compute  # noqa: E402
from assay.flows.engine.rounds import pending, run_programs  # noqa: E402
from assay.flows.progress import Progress  # noqa: E402
from assay.flows.sources import load_tasks  # noqa: E402
from assay.flows.state import RunState  # noqa: E402
from assay.verifiers.python.check import PythonVerifier  # noqa: E402
from assay.verifiers.registry import register  # noqa: E402
from assay.workers.api import Completion, Generator, Request  # noqa: E402

DOMAINS = ("code", "code-ties", "code-dart", "verilog", "proofs", "translation", "code-stream",
           "code-dart-stream")  # fmt: skip
DELAY_S = 0.25  # per generator call: a kill can land while one is out
CHECK_DELAY_S = 0.5  # per check in `code-ties`: candidates stay published and unchecked a while
WINDOW = 2  # tasks open at once (not in the run id): stages spread over more commit folders
LINGER_S = 0.2  # the commit writer's wait for more (1 s in a run): more folders, as WINDOW


class Slowed:
    """A generator that waits `DELAY_S` before each call of the one it wraps."""

    def __init__(self, inner: Generator) -> None:
        self.inner = inner
        self.name = inner.name

    @property
    def model(self) -> str:
        return self.inner.model

    def setup(self) -> None:
        self.inner.setup()

    def generate(self, requests: list[Request]) -> list[Completion]:
        time.sleep(DELAY_S)
        return self.inner.generate(requests)


Planted = Callable[[RunState], Generator]


@register("python-slowed")
class SlowedChecks(PythonVerifier):
    """The python verifier, after a wait: `code-ties` is killed between its generation and its
    checks, and the writer may publish both together unless the checks take a while."""

    name = "python-slowed"

    def check(self, item: Any, sandbox: Any, limits: Any) -> Any:
        time.sleep(CHECK_DELAY_S)
        return super().check(item, sandbox, limits)


def planted(domain: str, dataset: Path) -> tuple[RunConfig, Planted]:
    """The config and planted generator of `domain`'s own flow tests (answers keyed by task);
    `<domain>-stream`: the same run with its tasks read from their source on every pass."""
    if domain.endswith("-stream"):
        config, make = planted(domain.removesuffix("-stream"), dataset)
        engine = config.engine.model_copy(update={"tasks_in_memory": 0})
        return config.model_copy(update={"engine": engine}), make
    if domain == "code":
        from test_engine_code import _answers
        from test_engine_code import _config as code_config

        from assay.workers.replay import ReplayGenerator

        config = code_config(dataset)
        return config, lambda state: ReplayGenerator(_answers(config))
    if domain == "code-ties":
        from test_engine_code import _config as code_config

        from assay.workers.replay import ReplayGenerator

        config = code_config(dataset, "solver.n=4", "tester.n=2", "repair={rounds: 0}")
        return config, lambda state: ReplayGenerator(tied_answers(config))
    if domain == "code-dart":  # waves granted by the run's budget, in groups of two tasks
        import dart_cases

        more = ("solver.policy=dart", "solver.n=2", "solver.max_n=12", "solver.zero_share=0.3",
                "solver.budget=20", "solver.group=2", "repair={rounds: 1, n: 1}")  # fmt: skip
        config = dart_cases.config(dataset, *more)
        return config, lambda state: dart_cases.Planted(config)
    if domain == "verilog":
        import test_verilog_flow as vt

        def verilog(state: RunState) -> Generator:
            vt.NAMES.update({t.id: t.name for t in state.tasks})
            return vt.PlantedGenerator()

        return vt._config(dataset), verilog
    if domain == "proofs":
        import proof_cases

        # The run's task list, which grows as conjectures pass their filter.
        return proof_cases.config(dataset), lambda state: proof_cases.PlantedGenerator(state.tasks)
    if domain == "translation":
        import test_translation_flow as tt
        from translation_flow_cases import PlantedGenerator

        return tt._config(dataset), lambda state: PlantedGenerator()
    raise SystemExit(f"unknown domain {domain!r}; one of {DOMAINS}")


def tied_answers(config: RunConfig) -> dict[str, list[str]]:
    """Per task: four solutions that behave alike (the reference, told apart by a constant),
    returned in no particular order of their ids, and two testers whose tests overlap and
    come in different orders: only content keys decide which solution is kept and how the
    test pool is ordered."""
    out: dict[str, list[str]] = {}
    for i, t in enumerate(load_tasks(config)):
        variants = [f"{t.reference}\nVARIANT = {(i + k) % 4}\n" for k in range(4)]
        out[f"{t.id}:solver"] = [f"```python\n{v}```" for v in variants]
        one = [f"{line}, 'one'" for line in t.tests[:3]]
        two = [f"{line}, 'two'" for line in reversed(t.tests[1:4])] + one[:1]
        out[f"{t.id}:tester"] = ["```python\n" + "\n".join(x) + "\n```" for x in (one, two)]
    return out


def run(domain: str, dataset: Path) -> dict[str, Any]:
    """`run_flow`'s steps, on this process's threads; the run's summary."""
    config, make = planted(domain, dataset)
    config = config.model_copy(
        update={"engine": config.engine.model_copy(update={"window": WINDOW})}
    )
    parts = get(config.domain).flow()
    parts.check_tasks(load_tasks(config), config)
    state = parts.open_state(config)
    if pending(state, parts):
        state.start()
        name, options = parts.verifier(config)
        name = "python-slowed" if domain == "code-ties" else name
        generator = Slowed(make(state))
        with Compute.local(generator, name, state.limits, options, jobs=2) as compute:
            run_programs(state, parts, compute, Progress(quiet=True))
    return state.finish()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(f"usage: {sys.argv[0]} <{'|'.join(DOMAINS)}> <dataset>")
    from assay.schemas import writer

    writer.LINGER_S = LINGER_S  # this process only: the runs a test kills
    summary = run(sys.argv[1], Path(sys.argv[2]))
    print(summary["run_id"], summary["state"])
