"""`local`: a GGUF model on the CPU through llama.cpp, so a laptop runs the whole pipeline.

Chat prompts use the model's own chat template (read from the GGUF). Sample i of a request uses
seed + i on a reset context, so the same request gives the same texts in any process and in any
order: a resumed run regenerates exactly what it lost.
"""

from __future__ import annotations

from typing import Any

from assay.workers.api import Completion, Request
from assay.workers.registry import register
from assay.workers.session import cores


@register("local")
class LocalGenerator:
    """Options: model (a name from `assay.workers.models.NAMES` or a .gguf path), n_ctx,
    n_threads (default: the cores this process may use), hub (try the model hub first)."""

    name = "local"
    num_gpus = 0
    batch_size = 8  # llama.cpp samples one prompt at a time; small calls commit sooner

    def __init__(
        self,
        model: str = "qwen2.5-coder-0.5b",
        n_ctx: int = 4096,
        n_threads: int | None = None,
        hub: bool = True,
    ) -> None:
        if n_ctx < 256:
            raise ValueError(f"local backend: n_ctx must be >= 256, got {n_ctx}")
        if n_threads is not None and n_threads < 1:
            raise ValueError(f"local backend: n_threads must be >= 1, got {n_threads}")
        self._model = model
        self.n_ctx = n_ctx
        self.n_threads = n_threads
        self.hub = hub
        self._llm: Any = None

    @property
    def model(self) -> str:
        return self._model

    def setup(self) -> None:
        """Load the model (once); resolving it may join the offline parts the first time."""
        if self._llm is not None:
            return
        try:
            from llama_cpp import Llama
        except ImportError:
            raise ImportError(
                "the local backend needs llama-cpp-python: run `uv sync` (group laptop) or "
                "`pip install 'assay[local]'`"
            ) from None
        from assay.workers.models import resolve

        self._llm = Llama(
            model_path=str(resolve(self._model, hub=self.hub)),
            n_ctx=self.n_ctx,
            n_threads=self.n_threads or cores(),
            seed=0,
            verbose=False,
        )

    def _sample(self, request: Request, seed: int) -> tuple[str, int]:
        """One sample's text and the tokens it took."""
        s = request.sampling
        self._llm.reset()  # nothing carried over from the previous sample
        reply = self._llm.create_chat_completion(
            messages=[dict(m) for m in request.messages],
            temperature=s.temperature,
            top_p=s.top_p,
            max_tokens=s.max_tokens,
            stop=list(s.stop) or None,
            seed=seed,
        )
        tokens = int((reply.get("usage") or {}).get("completion_tokens") or 0)
        return reply["choices"][0]["message"]["content"] or "", tokens

    def generate(self, requests: list[Request]) -> list[Completion]:
        """`n` samples per request, one after another (llama.cpp runs one sequence here)."""
        self.setup()
        out = []
        for r in requests:
            samples = [self._sample(r, r.sampling.seed + i) for i in range(r.sampling.n)]
            texts = tuple(text for text, _ in samples)
            out.append(Completion(r.key, texts, self._model, sum(n for _, n in samples)))
        return out
