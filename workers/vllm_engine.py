"""`vllm`: a vLLM engine on GPUs, built in `setup()` inside a Ray actor that holds the GPUs.

Written against vLLM's offline API (`vllm.LLM`, `SamplingParams`, `RequestOutput.outputs[i].text`):
prompts are rendered with the tokenizer's chat template, and each request gets its own
SamplingParams so its `n`, seed and stop strings hold. `engine_module` names the module providing
`LLM` and `SamplingParams` ("vllm"); tests point it at a fake with the same surface.
"""

from __future__ import annotations

import importlib
from typing import Any

from assay.workers.api import Completion, Request
from assay.workers.registry import register

INSTALL = "install vllm on a machine with an NVIDIA GPU: `pip install vllm` (or `uv add vllm`)"


@register("vllm")
class VLLMGenerator:
    """Options: model (a Hugging Face id or local dir), tensor_parallel_size, seed,
    engine_module; any other option goes to `vllm.LLM` as is (gpu_memory_utilization,
    max_model_len, dtype, ...), which rejects the ones it does not know."""

    name = "vllm"
    batch_size = 512  # prompts per call: vLLM's throughput comes from hundreds in flight

    def __init__(
        self,
        model: str,
        tensor_parallel_size: int = 1,
        seed: int = 0,
        engine_module: str = "vllm",
        **engine: Any,
    ) -> None:
        if tensor_parallel_size < 1:
            raise ValueError(
                f"vllm backend: tensor_parallel_size must be >= 1, got {tensor_parallel_size}"
            )
        self._model = model
        self.tensor_parallel_size = tensor_parallel_size
        self.seed = seed
        self.engine_module = engine_module
        self.engine = engine
        if tensor_parallel_size > 1:
            # Inside an actor that already holds the GPUs, vLLM must not ask Ray for them again.
            self.engine.setdefault("distributed_executor_backend", "mp")
        self._llm: Any = None
        self._params: Any = None

    @property
    def model(self) -> str:
        return self._model

    @property
    def num_gpus(self) -> int:
        """GPUs the actor running this backend must hold."""
        return self.tensor_parallel_size

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_llm": None, "_params": None}  # rebuilt by setup()

    def setup(self) -> None:
        if self._llm is not None:
            return
        try:
            module = importlib.import_module(self.engine_module)
        except ImportError as exc:
            raise ImportError(
                f"the vllm backend needs {self.engine_module!r} ({exc}); " + INSTALL
            ) from None
        self._params = module.SamplingParams
        self._llm = module.LLM(
            model=self._model,
            tensor_parallel_size=self.tensor_parallel_size,
            seed=self.seed,
            **self.engine,
        )

    def _prompt(self, tokenizer: Any, request: Request) -> str:
        messages = [dict(m) for m in request.messages]
        return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)

    def generate(self, requests: list[Request]) -> list[Completion]:
        """One batched `LLM.generate` call; vLLM schedules the whole batch on the GPUs."""
        self.setup()
        if not requests:
            return []
        tokenizer = self._llm.get_tokenizer()
        prompts = [self._prompt(tokenizer, r) for r in requests]
        params = [
            self._params(
                n=r.sampling.n,
                temperature=r.sampling.temperature,
                top_p=r.sampling.top_p,
                max_tokens=r.sampling.max_tokens,
                seed=r.sampling.seed,
                stop=list(r.sampling.stop) or None,
            )
            for r in requests
        ]
        outputs = self._llm.generate(prompts, params, use_tqdm=False)
        if len(outputs) != len(requests):
            raise RuntimeError(f"vllm returned {len(outputs)} outputs for {len(requests)} prompts")
        completions = []
        for request, output in zip(requests, outputs, strict=True):
            texts = tuple(o.text for o in output.outputs)
            if len(texts) != request.sampling.n:
                raise RuntimeError(
                    f"vllm returned {len(texts)} samples for {request.key!r}, asked "
                    f"{request.sampling.n}"
                )
            completions.append(Completion(request.key, texts, self._model))
        return completions
