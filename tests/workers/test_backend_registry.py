"""Backends by name: unknown names list the valid ones, duplicates are refused, options are
checked at construction, and nothing heavy is built before setup()."""

from __future__ import annotations

import importlib.util
import pickle

import pytest

from assay.workers import registry
from assay.workers.registry import UnknownBackend, build, register


def test_builtin_backends_are_registered() -> None:
    assert {"local", "openai", "vllm"} <= set(registry.names())


def test_unknown_backend_lists_the_valid_names() -> None:
    with pytest.raises(UnknownBackend, match=r"no generation backend named 'gpt'.*local.*openai"):
        build("gpt")


def test_duplicate_name_is_refused() -> None:
    with pytest.raises(ValueError, match="already registered"):

        @register("local")
        class Other:
            pass


def test_bad_options_name_the_backend() -> None:
    with pytest.raises(TypeError, match=r"backend 'local': bad options \['bogus'\]"):
        build("local", bogus=1)
    with pytest.raises(ValueError, match="base_url"):
        build("openai", model="m", base_url="")
    with pytest.raises(ValueError, match="tensor_parallel_size"):
        build("vllm", model="m", tensor_parallel_size=0)


@pytest.mark.parametrize(
    ("backend", "options"),
    [
        ("local", {"model": "smollm2-135m"}),
        ("openai", {"model": "m", "base_url": "http://127.0.0.1:9/v1"}),
        ("vllm", {"model": "Qwen/Qwen2.5-Coder-0.5B-Instruct", "tensor_parallel_size": 2}),
    ],
)
def test_backends_pickle_before_setup(backend: str, options: dict) -> None:
    generator = build(backend, **options)
    clone = pickle.loads(pickle.dumps(generator))
    assert clone.model == options["model"]
    assert clone.name == backend


def test_vllm_missing_says_what_to_install() -> None:
    if importlib.util.find_spec("vllm") is not None:
        pytest.skip("vllm is installed here")
    generator = build("vllm", model="some/model")
    assert generator.num_gpus == 1
    with pytest.raises(ImportError, match="pip install vllm"):
        generator.setup()
