"""The proofs domain as a Prefect flow: statements → proofs → the real prover checks them →
repair rounds fed with the checker's errors → (optional) STP conjecture round → samples.

Same machinery as the code and verilog flows: coarse Prefect tasks calling Ray through
`Compute`, each task's output of each stage committed atomically under a key naming stage, task
and run config, so a killed run resumes where it stopped and a rerun commits nothing.
"""

# No `from __future__ import annotations`: Prefect reads these annotations at deployment time.
from dataclasses import replace
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from assay.flows import proof_conjecture as pc
from assay.flows import proof_stages as ps
from assay.flows.compute import Compute
from assay.flows.config import RunConfig
from assay.flows.generation import Groups, generate_and_commit
from assay.flows.progress import Progress
from assay.flows.proof_state import ProofState
from assay.flows.sources import load_tasks
from assay.schemas.records import Candidate, Role, Task, Verdict
from assay.verifiers.sandbox import Limits


class ProofCompute(Compute):
    """`Compute` whose checks go to the prover verifier (`coq` or `lean`) on the same Ray pool.

    `compiles` runs the trusted statement check of conjectures in a sandbox of this process
    (the driver), so the driver needs coqc when conjecture rounds are on."""

    verifier = "coq"
    _sandbox: Any = None

    def compiles(self, items: list[tuple[str, str, str]], limits: Limits) -> list[Verdict]:
        """(candidate id, header, statement) → the conjecture filter's compile verdicts."""
        from assay.verifiers.sandbox import open_sandbox

        if items and self._sandbox is None:
            self._sandbox = open_sandbox()
        return [pc.compile_check(cid, h, s, self._sandbox, limits) for cid, h, s in items]

    def close(self) -> None:
        if self._sandbox is not None:
            self._sandbox.close()
            self._sandbox = None


class LeanCompute(ProofCompute):
    """Checks go to the Lean verifier built from the run's `proofs.lean` (project, command)."""

    verifier = "lean"


def _proofs(t: Task, done: list, round_: int, parents: list[str]) -> dict[str, list]:
    cands: list[Candidate] = []
    for j, ((role, request), completion) in enumerate(done):
        parent = parents[j] if role is Role.REPAIRER else ""
        sampling = request.sampling.to_dict()
        cands += ps.to_candidates(t, role, completion, round_, parent, sampling)
    return {"candidates": cands}


@task(cache_policy=NO_CACHE, name="proofs-generate")
def generate(state: ProofState, compute: Compute, round_: int, progress: Progress) -> None:
    """Round 0: proof attempts; later rounds: repairs of failing proofs of unproved statements."""
    cfg = state.config
    groups: Groups = {}
    parents: dict[str, list[str]] = {}
    for index, t in enumerate(state.seeds):
        if state.done("gen", t, round_):
            continue
        if round_ == 0:
            groups[t.id] = ps.prove_requests(cfg, t, index)
        elif not state.solved(t) and (failing := state.failing(t, cfg.repair.n)):
            groups[t.id] = ps.repair_requests(cfg, t, index, round_, failing)
            parents[t.id] = [c.id for c, _ in failing]
        else:
            state.commit("gen", t, round_, {})  # proved, or nothing to repair

    def make(t: Task, done: list) -> dict[str, list]:
        return _proofs(t, done, round_, parents.get(t.id, []))

    generate_and_commit(
        state, compute, groups, f"round {round_}: prove", progress, make, "gen", round_
    )


@task(cache_policy=NO_CACHE, name="proofs-verify")
def verify(
    state: ProofState, compute: Compute, tasks: list[Task], round_: int, progress: Progress
) -> None:
    """Check this round's new proofs against their statements, in one pool batch."""
    pending = [t for t in tasks if not state.done("verify", t, round_)]
    new = {t.id: _new_proofs(state, t, round_) for t in pending}
    items = [ps.check_item(t, c.text, c.id) for t in pending for c in new[t.id]]
    if pending:
        progress.note(f"round {round_}: check {len(items)} proofs with {compute.verifier}")
    verdicts = iter(compute.check(items, state.limits))
    for t in pending:
        state.commit("verify", t, round_, {"verdicts": [next(verdicts) for _ in new[t.id]]})


def _new_proofs(state: ProofState, t: Task, round_: int) -> list[Candidate]:
    return [c for c in state.solutions(t) if c.round == round_ and c.role in ps.PROOF_ROLES]


@task(cache_policy=NO_CACHE, name="proofs-conjecture")
def conjecture(state: ProofState, compute: Compute, progress: Progress) -> None:
    """STP round, step one: the model proposes statements related to each seed."""
    cfg, round_ = state.config, state.conjecture_round
    groups: Groups = {}
    for index, t in enumerate(state.seeds):
        if not state.done("conj-gen", t, 0):
            proved = sorted((c.text for c, v in state.judged(t) if v.passed), key=len)
            groups[t.id] = ps.conjecture_requests(cfg, t, index, proved[0] if proved else "")

    def make(t: Task, done: list) -> dict[str, list]:
        cands = []
        for (role, request), completion in done:
            cands += ps.to_candidates(t, role, completion, round_, "", request.sampling.to_dict())
        return {"candidates": cands}

    generate_and_commit(state, compute, groups, "conjecture", progress, make, "conj-gen", 0)


@task(cache_policy=NO_CACHE, name="proofs-conjecture-filter")
def filter_conjectures(state: ProofState, compute: ProofCompute, progress: Progress) -> None:
    """STP round, step two: keep conjectures that compile and that a cheap tactic cannot refute."""
    for t in state.seeds:
        if state.done("conj-filter", t, 0):
            continue
        cands = state.candidates(t, Role.CONJECTURER)
        compiled = compute.compiles([(c.id, t.setup, c.text) for c in cands], state.limits)
        ok = {c.id: (c, v) for c, v in zip(cands, compiled, strict=True) if v.passed}
        items = []
        for c, _ in ok.values():
            try:
                items.append(pc.negation_item(c.id, t.setup, c.text))
            except pc.ConjectureError:
                continue  # no negation to try: the conjecture gets no negation verdict
        refuted = [replace(v, against=pc.NEGATION) for v in compute.check(items, state.limits)]
        kept = [
            ps.conjecture_task(t, ok[v.candidate_id][0])
            for v in refuted
            if pc.kept(ok[v.candidate_id][1], v)
        ]
        state.commit("conj-filter", t, 0, {"verdicts": compiled + refuted, "tasks": kept})
        state.add_tasks(kept)
        progress.note(f"conjectures of {t.name}: {len(kept)} of {len(cands)} kept for proving")


@task(cache_policy=NO_CACHE, name="proofs-conjecture-prove")
def prove_conjectures(state: ProofState, compute: Compute, progress: Progress) -> None:
    """STP round, step three: `conjecture.proofs` attempts at each filtered conjecture."""
    k = state.config.proofs.conjecture.proofs
    groups: Groups = {
        t.id: ps.prove_requests(state.config, t, None, n=k)
        for t in state.tasks
        if t not in state.seeds and not state.done("gen", t, 0)
    }

    def make(t: Task, done: list) -> dict[str, list]:
        return _proofs(t, done, 0, [])

    generate_and_commit(state, compute, groups, "conjectures: prove", progress, make, "gen", 0)


@task(cache_policy=NO_CACHE, name="proofs-select")
def select(state: ProofState) -> None:
    """Passing proofs of seeds; proofs of conjectures whose pass rate is low but not zero."""
    for t in state.tasks:
        if not state.done("select", t, 0):
            samples = ps.select_samples(state.config, t, state.judged(t), state.run_id)
            state.commit("select", t, 0, {"samples": samples})


def run_stages(
    state: ProofState, compute: ProofCompute, progress: Progress, plain: bool = False
) -> None:
    """Every stage in order; each skips what is already committed. `plain` calls the tasks'
    functions without Prefect (tests that run the stages outside a flow)."""

    def step(t: Any) -> Any:
        return t.fn if plain else t

    cfg = state.config
    for round_ in range(cfg.repair.rounds + 1):
        step(generate)(state, compute, round_, progress)
        step(verify)(state, compute, state.seeds, round_, progress)
    if cfg.proofs.conjecture.enabled:
        step(conjecture)(state, compute, progress)
        step(filter_conjectures)(state, compute, progress)
        step(prove_conjectures)(state, compute, progress)
        conjectures = [t for t in state.tasks if t not in state.seeds]
        step(verify)(state, compute, conjectures, 0, progress)
    step(select)(state)


@flow(name="assay-proofs", log_prints=False)
def proof_flow(config: RunConfig, quiet: bool = False) -> dict:
    """Statements → proofs → checks → repair rounds → (conjectures) → samples."""
    ps.check_tasks(load_tasks(config), config.proofs.backend)  # before anything is committed
    progress = Progress(quiet)
    state = ProofState.open(config)
    kind = LeanCompute if config.proofs.backend == "lean" else ProofCompute
    try:
        if not state.all_done():
            state.start()
            with kind.open(config, progress) as compute:
                if config.proofs.backend == "lean":
                    compute.options = config.proofs.lean.options()
                try:
                    run_stages(state, compute, progress)
                finally:
                    compute.close()
        select(state)
    except BaseException:
        state.finish("failed")  # what was committed stays; a rerun resumes from it
        raise
    return state.finish()
