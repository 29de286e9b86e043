"""A stand-in for the `vllm` module with the surface the vllm backend uses: `LLM(model=...,
tensor_parallel_size=..., seed=..., **engine)`, `LLM.get_tokenizer().apply_chat_template(...)`,
`LLM.generate(prompts, sampling_params, use_tqdm=...)` -> RequestOutput-like objects, and a
keyword-only `SamplingParams`. Outputs are deterministic in (prompt, seed, sample index)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

built: list[LLM] = []  # engines made by this module, for tests to inspect


@dataclass(kw_only=True)
class SamplingParams:
    n: int = 1
    temperature: float = 1.0
    top_p: float = 1.0
    max_tokens: int | None = 16
    seed: int | None = None
    stop: str | list[str] | None = None


@dataclass
class CompletionOutput:
    index: int
    text: str


@dataclass
class RequestOutput:
    prompt: str
    outputs: list[CompletionOutput] = field(default_factory=list)


class Tokenizer:
    def apply_chat_template(
        self, conversation: list[dict[str, str]], tokenize: bool = True,
        add_generation_prompt: bool = False,
    ) -> str:  # fmt: skip
        assert tokenize is False, "the backend must ask for text, not token ids"
        text = "".join(f"<|{m['role']}|>{m['content']}\n" for m in conversation)
        return text + ("<|assistant|>" if add_generation_prompt else "")


class LLM:
    def __init__(self, model: str, *, tensor_parallel_size: int = 1, seed: int | None = None,
                 **engine: object) -> None:  # fmt: skip
        self.model = model
        self.tensor_parallel_size = tensor_parallel_size
        self.seed = seed
        self.engine = engine
        self.calls: list[tuple[list[str], list[SamplingParams]]] = []
        built.append(self)

    def get_tokenizer(self) -> Tokenizer:
        return Tokenizer()

    def generate(
        self,
        prompts: str | Sequence[str],
        sampling_params: SamplingParams | Sequence[SamplingParams] | None = None,
        *,
        use_tqdm: bool = True,
    ) -> list[RequestOutput]:
        prompts = [prompts] if isinstance(prompts, str) else list(prompts)
        params = sampling_params or SamplingParams()
        params = [params] * len(prompts) if isinstance(params, SamplingParams) else list(params)
        if len(params) != len(prompts):
            raise ValueError("The lengths of prompts and sampling_params must be the same.")
        self.calls.append((prompts, params))
        return [
            RequestOutput(p, self._samples(p, sp)) for p, sp in zip(prompts, params, strict=True)
        ]

    def _samples(self, prompt: str, sp: SamplingParams) -> list[CompletionOutput]:
        out = []
        for i in range(sp.n):
            digest = hashlib.sha256(f"{prompt}|{sp.seed}|{i}".encode()).hexdigest()
            words = [digest[j : j + 4] for j in range(0, 64, 4)][: sp.max_tokens or 16]
            text = " ".join(words)
            for stop in [sp.stop] if isinstance(sp.stop, str) else sp.stop or []:
                text = text.split(stop)[0]
            out.append(CompletionOutput(i, text))
        return out
