"""Decontamination: which samples overlap a benchmark the user named.

A benchmark is read with the importer its format names (the ones task files use), and each item
gives its prompt and its solution. A sample is contaminated when its prompt or response, lowercased
with whitespace collapsed, contains a benchmark string of at least `min_chars`, or holds at least
`ngram_share` of a benchmark string's word n-grams (StarCoder, OpenThoughts); a sample of a
domain registered with `rouge_l` (Verilog) also when its prompt's ROUGE-L F against a benchmark
prompt of its domain exceeds `rouge_l` (CodeV-R1). A sample
whose prompt *is* a benchmark prompt is the benchmark itself being run: it is reported, not
flagged (`Match.is_task`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from assay.flows.curate.config import BenchmarkSet, DecontamConfig
from assay.schemas.records import content_id

_SPACE = re.compile(r"\s+")
_WORDS = re.compile(r"\w+")


def _flat(text: str) -> str:
    return _SPACE.sub(" ", text.lower()).strip()


@dataclass(frozen=True)
class Item:
    name: str  # `<set>:<item name>`
    domain: str
    prompt: str  # flattened
    strings: tuple[str, ...]  # flattened prompt and solution, the ones long enough to match


@dataclass(frozen=True)
class Match:
    item: str
    rule: str  # substring, ngram, rouge_l, is_task
    similarity: float


def _domain_of(fmt: str) -> str:
    from assay.flows.domains import DOMAINS

    for name, domain in DOMAINS.items():
        if fmt in domain.formats:
            return name
    raise ValueError(
        f"curate.decontaminate.benchmarks: unknown format {fmt!r}; "
        f"use one of {sorted(f for d in DOMAINS.values() for f in d.formats)}"
    )


def _rouge_rules(domain: str) -> bool:
    """Whether `domain`'s samples are also judged by their prompt's ROUGE-L (`Domain.rouge_l`)."""
    from assay.flows.domains import DOMAINS

    return domain in DOMAINS and DOMAINS[domain].rouge_l


def load_items(sets: list[BenchmarkSet], min_chars: int) -> list[Item]:
    from assay.flows.domains import get

    items = []
    for bench in sets:
        if not Path(bench.file).exists():
            raise ValueError(f"curate.decontaminate.benchmarks: {bench.file} does not exist")
        domain = _domain_of(bench.format)
        label = bench.name or Path(bench.file).name
        for task in get(domain).flow().load(Path(bench.file), bench.format):
            texts = (_flat(task.prompt), _flat(task.reference))
            strings = tuple(t for t in texts if len(t) >= min_chars)
            items.append(Item(f"{label}:{task.name}", domain, texts[0], strings))
    return items


def fingerprint(items: list[Item]) -> str:
    """What the benchmarks hold, for the pass id: an edited benchmark file re-curates."""
    return content_id("benchmarks", [(i.name, i.strings) for i in items])


def _grams(text: str, n: int) -> set[str]:
    words = _WORDS.findall(text)
    return {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)}


class Index:
    """Benchmark strings by their word n-grams, so a sample is compared only with items it
    shares one with (and with the few strings too short to have any)."""

    def __init__(self, items: list[Item], config: DecontamConfig) -> None:
        self.config = config
        self.items = items
        self.by_gram: dict[str, set[tuple[int, int]]] = {}
        self.sizes: dict[tuple[int, int], int] = {}
        self.short: list[tuple[int, str]] = []
        self.prompts = {item.prompt: item.name for item in items}
        for i, item in enumerate(items):
            for k, text in enumerate(item.strings):
                grams = _grams(text, config.ngram)
                if not grams:
                    self.short.append((i, text))
                self.sizes[(i, k)] = len(grams)
                for gram in grams:
                    self.by_gram.setdefault(gram, set()).add((i, k))
        self.specs: dict[str, list[tuple[int, list[str]]]] = {}  # by domain, where it rules
        for i, item in enumerate(items):
            if _rouge_rules(item.domain) and (words := _WORDS.findall(item.prompt)):
                self.specs.setdefault(item.domain, []).append((i, words))

    def match(self, domain: str, prompt: str, response: str) -> Match | None:
        """The first rule a sample breaks, strongest evidence first."""
        flat_prompt = _flat(prompt)
        if flat_prompt in self.prompts:
            return Match(self.prompts[flat_prompt], "is_task", 1.0)
        text = flat_prompt + "\n" + _flat(response)
        shared: dict[tuple[int, int], int] = {}
        for gram in _grams(text, self.config.ngram):
            for key in self.by_gram.get(gram, ()):
                shared[key] = shared.get(key, 0) + 1
        for (i, k), count in sorted(shared.items(), key=lambda kv: (-kv[1], kv[0])):
            if self.items[i].strings[k] in text:
                return Match(self.items[i].name, "substring", 1.0)
            share = count / self.sizes[(i, k)]
            if share >= self.config.ngram_share:
                return Match(self.items[i].name, "ngram", share)
        for i, short in self.short:
            if short in text:
                return Match(self.items[i].name, "substring", 1.0)
        if specs := self.specs.get(domain):
            return self._rouge(flat_prompt, specs)
        return None

    def _rouge(self, flat_prompt: str, specs: list[tuple[int, list[str]]]) -> Match | None:
        from rapidfuzz.distance import LCSseq

        words = _WORDS.findall(flat_prompt)
        best: Match | None = None
        for i, spec in specs:
            lcs = LCSseq.similarity(words, spec)
            f1 = 2 * lcs / (len(words) + len(spec)) if words else 0.0
            if f1 > self.config.rouge_l and (best is None or f1 > best.similarity):
                best = Match(self.items[i].name, "rouge_l", f1)
        return best
