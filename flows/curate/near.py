"""Near-duplicate clusters: MinHash signatures of word n-gram shingles (rensa), an LSH index to
find candidate pairs, the signatures' Jaccard estimate to confirm them, connected components.

Near dedup is what datatrove, NeMo Curator and BigCode run before release: 5-gram shingles of
word tokens, about 256 permutations, Jaccard 0.7 for code.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Sequence

from assay.flows.curate.config import NearDedupConfig

_WORDS = re.compile(r"\w+")
SEED = 1234  # fixed: signatures are reproducible across runs and processes


def shingles(text: str, n: int) -> list[str]:
    """Word n-grams of `text` (a short text is one shingle of all its words)."""
    words = _WORDS.findall(text.lower())
    if len(words) <= n:
        return [" ".join(words)]
    return list(map(" ".join, zip(*(words[i:] for i in range(n)), strict=False)))


def signatures(texts: Sequence[str], config: NearDedupConfig) -> list:
    """One `rensa.RMinHash` per text."""
    import rensa

    sets = [shingles(t, config.ngram) for t in texts]
    return rensa.RMinHash.from_token_sets(sets, num_perm=config.num_perm, seed=SEED)


class Components:
    """Connected components by union-find; a component's root is its smallest member."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        a, b = self.find(i), self.find(j)
        if a != b:
            self.parent[max(a, b)] = min(a, b)


def clusters(
    texts: Sequence[str], config: NearDedupConfig, scopes: Sequence[Hashable] | None = None
) -> tuple[list[int], list[float]]:
    """For each text, the index of its cluster's first member, and the best Jaccard estimate
    that tied it to another member (0.0 for a text alone). With `scopes`, only texts of the same
    scope are compared (one LSH index for all of them: a scope per call would rebuild it)."""
    import rensa

    mins = signatures(texts, config)
    lsh = rensa.RMinHashLSH(
        threshold=config.threshold, num_perm=config.num_perm, num_bands=config.bands
    )
    lsh.insert_many(mins)
    comps = Components(len(texts))
    best = [0.0] * len(texts)
    for i, found in enumerate(lsh.query_all(mins)):
        for j in found:
            if j <= i or (scopes is not None and scopes[i] != scopes[j]):
                continue
            similarity = mins[i].jaccard(mins[j])
            if similarity >= config.threshold:
                comps.union(i, j)
                best[i], best[j] = max(best[i], similarity), max(best[j], similarity)
    return [comps.find(i) for i in range(len(texts))], best


def same_prompt(prompts: dict[str, str]) -> dict[str, str]:
    """For each task id, the first task id (in id order) whose prompt is the same, whitespace
    aside: one problem, so a response repeated between them is a repeated training pair."""
    first: dict[str, str] = {}
    return {t: first.setdefault(" ".join(prompts[t].split()), t) for t in sorted(prompts)}


def near_prompt(prompts: dict[str, str], config: NearDedupConfig) -> dict[str, str]:
    """For each task id, the first task id of its cluster of near-duplicate prompts (the same
    prompt when near dedup is off): likely one problem, though prompts sharing a long
    boilerplate can reach the threshold too, so this is a note, never a reason to drop."""
    tasks = sorted(prompts)
    if not config.enabled or len(tasks) < 2:
        return same_prompt(prompts)
    roots, _ = clusters([prompts[t] for t in tasks], config)
    return {t: tasks[root] for t, root in zip(tasks, roots, strict=True)}
