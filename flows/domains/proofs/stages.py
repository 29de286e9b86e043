"""Pure steps of the proofs flow: requests out, proofs and conjectures in, checks, samples.

Nothing here runs a model or a check; the domain's `flow` wires these to the engine and the
store. Each proof is checked by the configured prover verifier (`coq`, or `lean`) against its
task's canonical statement (`against = "statement"`); a conjecture becomes a task of its own once
it passes the filter of `conjecture`, so every statement, seed or conjecture, gets the same pass
rate.
"""

from __future__ import annotations

from dataclasses import replace

from assay.flows.config import RunConfig
from assay.flows.domains.proofs.config import ProofsConfig
from assay.flows.engine.domain_flow import extracted, repairs
from assay.flows.engine.sampling import sampling_for
from assay.flows.roles import get_role
from assay.flows.roles import prover as _prover  # noqa: F401 - registers the proof roles
from assay.schemas.records import Candidate, Level, Role, Sample, Status, Task, Verdict
from assay.verifiers.coq import theorem_name
from assay.workers.api import Completion, Request

DOMAIN = "proofs"
STATEMENT = "statement"  # Verdict.against of a proof checked against its own statement
PROOF, CONJECTURE = "proof", "conjecture"  # Sample.strategy of seed proofs / kept conjectures
UNDECIDED = frozenset({Status.UNSUPPORTED, Status.NOT_VERIFIED, Status.ERROR})
PROOF_ROLES = frozenset({Role.PROVER, Role.REPAIRER})


class ProofTaskError(ValueError):
    """A task the configured prover cannot check; the message names the task."""


def check_tasks(tasks: list[Task], backend: str) -> None:
    """Every task must be a statement in the backend's language."""
    for task in tasks:
        lang = str(task.meta.get("language", ""))
        if lang != backend:
            raise ProofTaskError(
                f"task {task.name!r} ({task.source}) is a {lang or 'untagged'} statement but "
                f"proofs.backend is {backend!r}; set meta.language or proofs.backend"
            )


def _seed_offset(task: Task, index: int | None) -> int:
    return 1000 * index if index is not None else int(task.id[:6], 16) % 1_000_000 * 1000


def prove_requests(
    cfg: RunConfig, task: Task, index: int | None, n: int | None = None
) -> list[tuple[Role, Request]]:
    """`solver.n` (or `n`) proof attempts at one statement."""
    sampling = sampling_for(cfg.solver, _seed_offset(task, index))
    if n is not None:
        sampling = replace(sampling, n=n)
    request = get_role(DOMAIN, "prover").build(task, sampling, key=f"{task.id}:prover")
    return [(Role.PROVER, request)]


def repair_requests(
    cfg: RunConfig, task: Task, index: int, round_: int, failing: list[tuple[Candidate, Verdict]]
) -> list[tuple[Role, Request]]:
    """Round k: one new attempt per failing proof, shown the proof and the checker's error."""
    return repairs(cfg, task, index, round_, failing, get_role(DOMAIN, "repairer").build)


def conjecture_requests(
    cfg: RunConfig, task: Task, index: int, proof: str
) -> list[tuple[Role, Request]]:
    """`conjecture.n` new statements related to a seed (shown its shortest passing proof)."""
    sampling = sampling_for(cfg.section(ProofsConfig).conjecture, 1000 * index + 700)
    request = get_role(DOMAIN, "conjecturer").build(
        task, sampling, f"{task.id}:conjecture", proof=proof
    )
    return [(Role.CONJECTURER, request)]


def to_candidates(
    task: Task,
    role: Role,
    completion: Completion,
    round_: int = 0,
    parent: str = "",
    sampling: dict | None = None,
) -> list[Candidate]:
    """Extracted proofs (or statements) of one completion; unusable ones dropped, repeats merged."""
    spec = get_role(DOMAIN, "conjecturer" if role is Role.CONJECTURER else role.value)
    return extracted(
        task, role, completion, lambda raw: spec.extract(raw, task), sampling or {}, round_, parent
    )


def check_item(task: Task, proof: str, item_id: str) -> dict:
    """One input of the prover verifier (the shape `assay verify coq|lean` reads)."""
    return {"id": item_id, "statement": task.prompt, "proof": proof, "header": task.setup}


def decided(verdict: Verdict) -> bool:
    return verdict.status not in UNDECIDED


def judged(cands: list[Candidate], verdicts: list[Verdict]) -> list[tuple[Candidate, Verdict]]:
    """Each proof once, with its verdict against the statement."""
    by_id = {v.candidate_id: v for v in verdicts if v.against == STATEMENT}
    return [(c, by_id[c.id]) for c in cands if c.role in PROOF_ROLES and c.id in by_id]


def pass_rate(pairs: list[tuple[Candidate, Verdict]]) -> float:
    """Passing proofs over proofs the verifier could decide (0 when it decided none)."""
    votes = [v.passed for _, v in pairs if decided(v)]
    return sum(votes) / len(votes) if votes else 0.0


def failing_for_repair(
    pairs: list[tuple[Candidate, Verdict]], limit: int
) -> list[tuple[Candidate, Verdict]]:
    """Failing proofs to repair: checker failures before screen refusals, shorter first."""
    order = {Status.FAIL: 0, Status.COMPILE_ERROR: 1, Status.TIMEOUT: 2}
    bad = [(c, v) for c, v in pairs if not v.passed and decided(v)]
    return sorted(bad, key=lambda cv: (order.get(cv[1].status, 3), len(cv[0].text), cv[0].id))[
        :limit
    ]


def conjecture_task(seed: Task, cand: Candidate) -> Task:
    """A filtered conjecture as a statement of its own, under its seed's header."""
    return Task(
        DOMAIN,
        f"conjecture:{seed.source}",
        f"{seed.name}~{cand.id[:8]}",
        cand.text,
        theorem_name(cand.text),
        setup=seed.setup,
        meta={**seed.meta, "seed_task": seed.id, "conjecture": cand.id},
    )


def select_samples(
    cfg: RunConfig, task: Task, pairs: list[tuple[Candidate, Verdict]], run_id: str
) -> list[Sample]:
    """Passing proofs, shortest first (`select.keep` of them, all with `strategy: all`), scored
    by the statement's pass rate. A conjecture keeps samples only when that rate is above 0
    and at most `conjecture.max_pass_rate` (STP: hard but provable)."""
    rate = pass_rate(pairs)
    is_conjecture = "conjecture" in task.meta
    if is_conjecture and not 0 < rate <= cfg.section(ProofsConfig).conjecture.max_pass_rate:
        return []
    good = sorted(
        ((c, v) for c, v in pairs if v.passed), key=lambda cv: (len(cv[0].text), cv[0].id)
    )
    if cfg.select.strategy != "all":
        good = good[: cfg.select.keep]
    prompt = "\n\n".join(x for x in (task.setup.strip(), task.prompt.strip()) if x)
    strategy = CONJECTURE if is_conjecture else PROOF
    return [
        Sample(
            task.id,
            c.id,
            DOMAIN,
            prompt,
            c.text,
            (STATEMENT,),
            strategy,
            rate,
            (v.id,),
            run_id,
            Level.PROOF_KERNEL,
        )
        for c, v in good
    ]
