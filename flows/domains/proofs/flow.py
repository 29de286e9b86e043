"""The proofs domain's flow parts: per seed statement, proofs → the real prover checks them →
repair rounds fed with the checker's errors → (optional) its STP conjecture round → selection.

The engine runs `program` for many seeds at once; each stage of a statement (seed or
conjecture) is committed atomically under a key naming the stage, the statement and the round,
so a killed run resumes where it stopped and a rerun commits nothing. A seed's program owns its
conjectures: it proposes and filters them, proves and checks them, and selects them before
selecting the seed itself, so that last commit means the whole program ran.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any

from assay.flows.config import RunConfig
from assay.flows.domains.proofs import conjecture as pc
from assay.flows.domains.proofs import stages as ps
from assay.flows.domains.proofs import summary as _summary
from assay.flows.domains.proofs.config import ProofsConfig
from assay.flows.domains.proofs.importers import ProofImportError
from assay.flows.domains.proofs.importers import load as load_split
from assay.flows.domains.proofs.state import ProofState
from assay.flows.engine.budget import WAVE_CHECK
from assay.flows.engine.domain_flow import (
    Rounds,
    checked,
    importer,
    repair_rounds,
    select,
    task_checks,
    wave_passes,
)
from assay.flows.engine.steps import Check, Generate, Program
from assay.schemas.records import Candidate, Role, Sample, Task, Verdict
from assay.workers.api import Completion, Request

if TYPE_CHECKING:
    from assay.flows.runner import Summary


load = importer("proofs", load_split, (ProofImportError,))
check_tasks = task_checks(
    lambda tasks, config: ps.check_tasks(tasks, config.section(ProofsConfig).backend),
    (ps.ProofTaskError,),
)


def open_state(config: RunConfig, tasks: list[Task] | None = None) -> ProofState:
    return ProofState.open(config, tasks)


def verifier(config: RunConfig) -> tuple[str, dict[str, Any] | None]:
    """The prover that checks proofs: Lean built from the run's `proofs.lean`, else Coq."""
    if config.section(ProofsConfig).backend == "lean":
        return "lean", config.section(ProofsConfig).lean.options()
    return "coq", None


def roots(state: ProofState) -> list[Task]:
    """Programs start from the configured statements; conjectures belong to their seed's."""
    return state.seeds


def program(state: ProofState, t: Task, index: int) -> Program:
    """One seed's rounds, its conjecture round when enabled, then selection; each step skips
    what is committed."""
    cfg = state.config
    yield from repair_rounds(state, t, index, ROUNDS)
    conjectures: list[Task] = []
    if cfg.section(ProofsConfig).conjecture.enabled:
        yield from _conjecture(state, t, index)
        yield from _filter(state, t)
        conjectures = state.conjecture_tasks(t)
        yield from _prove_conjectures(state, conjectures)
        yield from _verify(state, conjectures, 0)
    for statement in [*conjectures, t]:
        select(state, statement, partial(_chosen, state, statement))


def _chosen(state: ProofState, statement: Task) -> list[Sample]:
    return ps.select_samples(state.config, statement, state.judged(statement), state.run_id)


def _candidates(
    t: Task, done: list[tuple[tuple[Role, Request], Completion]], round_: int, parents: list[str]
) -> list[Candidate]:
    """Each completion's extracted proofs (or statements); a repair names its parent."""
    cands: list[Candidate] = []
    for j, ((role, request), completion) in enumerate(done):
        parent = parents[j] if role is Role.REPAIRER else ""
        cands += ps.to_candidates(t, role, completion, round_, parent, request.sampling.to_dict())
    return cands


def _verify(state: ProofState, tasks: list[Task], round_: int) -> Program:
    """Check the round's new proofs of `tasks` against their statements, in one batch."""
    pending = [t for t in tasks if not state.done("verify", t, round_)]
    new = {t.id: _new_proofs(state, t, round_) for t in pending}
    items = [ps.check_item(t, c.text, c.id) for t in pending for c in new[t.id]]
    verdicts: list[Verdict] = (yield Check(items)) if items else []
    answers = iter(verdicts)
    for t in pending:
        state.commit("verify", t, round_, {"verdicts": [next(answers) for _ in new[t.id]]})


def _new_proofs(state: ProofState, t: Task, round_: int) -> list[Candidate]:
    return [c for c in state.solutions(t) if c.round == round_ and c.role in ps.PROOF_ROLES]


def _check_wave(state: ProofState, t: Task, wave: int) -> Program:
    """Check a dart wave's new proofs against the statement."""
    new = [c for c in state.solutions(t) if c.round == 0 and c.wave == wave]
    items = [ps.check_item(t, c.text, c.id) for c in new if c.role in ps.PROOF_ROLES]
    yield from checked(state, t, wave, WAVE_CHECK, items)


ROUNDS = Rounds(
    first=lambda state, t, index: ps.prove_requests(state.config, t, index),
    repair=lambda state, t, index, round_, failing: ps.repair_requests(
        state.config, t, index, round_, failing
    ),
    extract=lambda _, t, role, request, completion, round_, parent: ps.to_candidates(
        t, role, completion, round_, parent, request.sampling.to_dict()
    ),
    verify=lambda state, t, round_: _verify(state, [t], round_),
    passes=lambda state, t, wave: wave_passes(state.judged(t), wave),
    check_wave=_check_wave,
)


def _conjecture(state: ProofState, t: Task, index: int) -> Program:
    """STP round, step one: the model proposes statements related to the seed, shown its
    shortest passing proof."""
    if state.done("conj-gen", t, 0):
        return
    proved = sorted((c.text for c, v in state.judged(t) if v.passed), key=len)
    pairs = ps.conjecture_requests(state.config, t, index, proved[0] if proved else "")
    completions = yield Generate([request for _, request in pairs])
    done = list(zip(pairs, completions, strict=True))
    cands = _candidates(t, done, state.conjecture_round, [])
    state.commit("conj-gen", t, 0, {"candidates": cands})


def _filter(state: ProofState, t: Task) -> Program:
    """STP round, step two: keep conjectures that pass the screen and compile (checked by the
    `coq-statement` verifier) and whose negation a cheap tactic cannot prove (checked by the
    `coq` verifier), both on the check lane."""
    if state.done("conj-filter", t, 0):
        return
    cands = state.candidates(t, Role.CONJECTURER)
    statements = [pc.statement_item(c.id, t.setup, c.text) for c in cands]
    screened: list[Verdict] = (
        (yield Check(statements, verifier="coq-statement")) if statements else []
    )
    compiled = [replace(v, against=pc.COMPILES) for v in screened]
    ok = {c.id: (c, v) for c, v in zip(cands, compiled, strict=True) if v.passed}
    items = []
    for c, _ in ok.values():
        try:
            items.append(pc.negation_item(c.id, t.setup, c.text))
        except pc.ConjectureError:
            continue  # no negation to try: the conjecture gets no negation verdict
    checked: list[Verdict] = (yield Check(items, verifier="coq")) if items else []
    refuted = [replace(v, against=pc.NEGATION) for v in checked]
    kept = [
        ps.conjecture_task(t, ok[v.candidate_id][0])
        for v in refuted
        if pc.kept(ok[v.candidate_id][1], v)
    ]
    state.commit("conj-filter", t, 0, {"verdicts": compiled + refuted, "tasks": kept})
    state.add_tasks(kept)


def _prove_conjectures(state: ProofState, conjectures: list[Task]) -> Program:
    """STP round, step three: `conjecture.proofs` attempts at each filtered conjecture, asked
    in one batch and committed under each conjecture's own task."""
    k = state.config.section(ProofsConfig).conjecture.proofs
    todo = [c for c in conjectures if not state.done("gen", c, 0)]
    groups = {c.id: ps.prove_requests(state.config, c, None, n=k) for c in todo}
    requests = [request for c in todo for _, request in groups[c.id]]
    completions = iter((yield Generate(requests)) if requests else [])
    for c in todo:
        done = [(pair, next(completions)) for pair in groups[c.id]]
        state.commit("gen", c, 0, {"candidates": _candidates(c, done, 0, [])})


def print_summary(summary: Summary) -> None:
    """Statements proved, pass rates and conjectures, then queries to try."""
    _summary.print_summary(summary)
