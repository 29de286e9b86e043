"""The local llama.cpp backend on the real 135M model: n samples, seeds, stops, max_tokens."""

from __future__ import annotations

from pathlib import Path

import pytest

from assay.workers.api import Request, Sampling
from assay.workers.registry import build

MESSAGES = (
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "user", "content": "Write a short poem about the sea."},
)


@pytest.fixture(scope="module")
def local(smollm2: Path, llama_cpp_installed: None):
    generator = build("local", model=str(smollm2), n_ctx=1024, n_threads=1)
    generator.setup()
    return generator


@pytest.fixture(scope="module")
def pair(local):
    """Two requests with the same sampling, n=2 each, in one call."""
    sampling = Sampling(n=2, temperature=1.0, top_p=0.95, max_tokens=12, seed=7)
    return local.generate([Request("x", MESSAGES, sampling), Request("y", MESSAGES, sampling)])


def test_n_samples_are_reproducible_by_seed(local, pair) -> None:
    x, y = pair
    assert (x.key, y.key) == ("x", "y") and x.model == local.model
    assert len(x.texts) == 2 and all(t.strip() for t in x.texts)
    assert x.texts == y.texts  # same seeds give the same texts, whatever ran before
    assert x.texts[0] != x.texts[1]  # sample i uses seed + i: the samples differ


def test_sample_i_uses_seed_plus_i(local, pair) -> None:
    sampling = Sampling(n=1, temperature=1.0, top_p=0.95, max_tokens=12, seed=8)
    shifted = local.generate([Request("z", MESSAGES, sampling)])[0]
    assert shifted.texts[0] == pair[0].texts[1]


def test_max_tokens_and_stop_strings(local) -> None:
    short = Sampling(n=1, temperature=0.0, max_tokens=4)
    text = local.generate([Request("s", MESSAGES, short)])[0].texts[0]
    assert 0 < len(local._llm.tokenize(text.encode(), add_bos=False)) <= 4
    full = local.generate([Request("f", MESSAGES, Sampling(temperature=0.0, max_tokens=16))])
    words = full[0].texts[0].split()
    assert len(words) >= 3
    stopped = Sampling(temperature=0.0, max_tokens=16, stop=(words[2],))
    cut = local.generate([Request("c", MESSAGES, stopped)])[0].texts[0]
    assert words[2] not in cut and full[0].texts[0].startswith(cut.rstrip())
