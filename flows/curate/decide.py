"""One domain's curation decisions: exact duplicates, then near duplicates among what is left,
then contamination; every row keeps its task's difficulty.

Duplicates are judged on responses, within a problem: one task, or tasks with the same prompt
(whitespace aside), whose repeated responses are repeated training pairs. The same response to
two different prompts is two pairs, both kept: a model learns from the pair. A near-duplicate
prompt is a fact about tasks, not samples: each row names the first task whose prompt its task's
nearly repeats (`same_prompt_as`), and none is dropped for it (prompts sharing a long
boilerplate can look alike while asking different things).

In a cluster of duplicates the best row stays: the strongest verification level, then the most
checks passed, then the shortest response, then the smallest id (so a pass is reproducible).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from assay.flows.curate.benchmarks import Match
from assay.flows.curate.config import CurateConfig
from assay.flows.curate.near import clusters, near_prompt, same_prompt
from assay.flows.curate.normalize import near_form, normal_form
from assay.schemas.records import Curation, Decision, Level, content_id

STRENGTH = {  # how much a sample's verification proves, per `Level`
    Level.PROOF_KERNEL.value: 6,
    Level.FORMAL_EQUIVALENCE.value: 6,
    Level.TRUSTED_TESTS.value: 5,
    Level.TRANSLATION_COSIM.value: 4,
    Level.VALIDATED_TESTS.value: 3,
    Level.SIMULATION.value: 3,
    Level.AGREEMENT_LABELLED.value: 2,
    Level.CONSENSUS_ONLY.value: 1,
}


@dataclass(frozen=True)
class Row:
    """What curation reads of a sample."""

    id: str
    task_id: str
    domain: str
    prompt: str
    response: str
    level: str
    checks: int  # tests (or vectors, drivers) it passed
    attempts: int
    passes: int

    def rank(self) -> tuple[int, int, int, str]:
        return (-STRENGTH.get(self.level, 0), -self.checks, len(self.response), self.id)


def _best_of(groups: dict[object, list[Row]]) -> dict[str, Row]:
    """For every row, the best row of its group."""
    out = {}
    for members in groups.values():
        best = min(members, key=Row.rank)
        out.update({r.id: best for r in members})
    return out


def decide(
    pass_id: str,
    rows: list[Row],
    config: CurateConfig,
    contamination: Callable[[Row], Match | None],
    problems: Mapping[str, tuple[str, str]] | None = None,
) -> list[Curation]:
    """A decision for every row of one domain, or (with `problems`: each task id's problem and
    near-prompt cluster root, as `problems.task_problems` works them out for the whole domain)
    for every row of some of its problems, each problem's rows all there."""
    rows = sorted(rows, key=lambda r: r.id)
    if problems is None:
        prompts = {r.task_id: r.prompt for r in rows}
        problem, similar = same_prompt(prompts), near_prompt(prompts, config.near)
    else:
        problem = {t: p for t, (p, _) in problems.items()}
        similar = {t: s for t, (_, s) in problems.items()}
    decided: dict[str, tuple[Decision, str, str, float]] = {}
    alive = rows
    if config.exact:
        groups: dict[object, list[Row]] = {}
        for r in rows:
            key = content_id("exact", problem[r.task_id], normal_form(r.domain, r.response))
            groups.setdefault(key, []).append(r)
        best = _best_of(groups)
        for r in rows:
            if best[r.id].id != r.id:
                reason = "same response as a kept sample of its problem, comments and layout aside"
                decided[r.id] = (Decision.EXACT_DUPLICATE, reason, best[r.id].id, 1.0)
        alive = [r for r in rows if r.id not in decided]
    if config.near.enabled and len(alive) > 1:
        texts = [near_form(r.domain, r.response) for r in alive]
        roots, similarity = clusters(texts, config.near, [problem[r.task_id] for r in alive])
        groups = {}
        for r, root in zip(alive, roots, strict=True):
            groups.setdefault(root, []).append(r)
        best = _best_of(groups)
        for r, sim in zip(alive, similarity, strict=True):
            if best[r.id].id != r.id:
                reason = f"MinHash Jaccard {sim:.2f} >= {config.near.threshold} with a kept sample"
                decided[r.id] = (Decision.NEAR_DUPLICATE, reason, best[r.id].id, sim)
    out = []
    for r in rows:
        decision, reason, matched, sim = decided.get(r.id, (Decision.KEEP, "", "", 0.0))
        if decision is Decision.KEEP:
            found = contamination(r)
            if found is not None and found.rule == "is_task":
                reason, matched = "its task is this benchmark item", f"benchmark:{found.item}"
            elif found is not None:
                decision, matched, sim = (
                    Decision.CONTAMINATED,
                    f"benchmark:{found.item}",
                    found.similarity,
                )
                reason = f"overlaps a benchmark ({found.rule} {found.similarity:.2f})"
        out.append(
            Curation(
                pass_id,
                r.id,
                r.task_id,
                r.domain,
                decision,
                reason,
                matched,
                sim,
                config.difficulty.label(r.passes, r.attempts),
                r.passes / r.attempts if r.attempts else None,
                r.attempts,
                r.passes,
                same_prompt_as="" if similar[r.task_id] == r.task_id else similar[r.task_id],
            )
        )
    return out
