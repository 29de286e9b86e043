"""Near-duplicate clusters: MinHash signatures of word n-gram shingles (rensa), an LSH index to
find candidate pairs, the signatures' Jaccard estimate to confirm them, connected components.

Near dedup is what datatrove, NeMo Curator and BigCode run before release: 5-gram shingles of
word tokens, about 256 permutations, Jaccard 0.7 for code.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

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


class _Components:
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


def clusters(texts: Sequence[str], config: NearDedupConfig) -> tuple[list[int], list[float]]:
    """For each text, the index of its cluster's first member, and the best Jaccard estimate
    that tied it to another member (0.0 for a text alone)."""
    import rensa

    mins = signatures(texts, config)
    lsh = rensa.RMinHashLSH(
        threshold=config.threshold, num_perm=config.num_perm, num_bands=config.bands
    )
    lsh.insert_many(mins)
    comps = _Components(len(texts))
    best = [0.0] * len(texts)
    for i, found in enumerate(lsh.query_all(mins)):
        for j in found:
            if j <= i:
                continue
            similarity = mins[i].jaccard(mins[j])
            if similarity >= config.threshold:
                comps.union(i, j)
                best[i], best[j] = max(best[i], similarity), max(best[j], similarity)
    return [comps.find(i) for i in range(len(texts))], best
