"""`openai`: any OpenAI-compatible chat server (vLLM serve, llama.cpp server, hosted APIs).

Requests run concurrently under a semaphore; 429, 5xx and connection failures are retried with
exponential backoff. `n` samples are asked for in one call, and any a server does not return
(many ignore `n`) are fetched one by one with seeds seed + i, as the other backends do.
The API key is never read implicitly: give `api_key`, or `api_key_env` naming the variable.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

from assay.workers.api import Completion, Request
from assay.workers.registry import register

log = logging.getLogger("assay.workers.openai")
NO_KEY = "EMPTY"  # local servers ignore the key, but the client insists on one


class GenerationError(RuntimeError):
    """The server kept failing after every retry: an infrastructure failure, not a value."""


def _retryable(exc: BaseException) -> bool:
    import openai

    if isinstance(exc, openai.APIConnectionError):  # includes timeouts
        return True
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code == 429 or exc.status_code >= 500
    return False


@register("openai")
class OpenAIGenerator:
    name = "openai"
    num_gpus = 0

    def __init__(
        self,
        model: str,
        base_url: str,
        api_key: str | None = None,
        api_key_env: str | None = None,
        concurrency: int = 8,
        max_retries: int = 4,
        backoff_s: float = 0.5,
        timeout_s: float = 300.0,
        ask_n: bool = True,
    ) -> None:
        if not base_url:
            raise ValueError("openai backend: give base_url, e.g. http://127.0.0.1:8000/v1")
        if api_key and api_key_env:
            raise ValueError("openai backend: give api_key or api_key_env, not both")
        if concurrency < 1 or max_retries < 0 or backoff_s < 0 or timeout_s <= 0:
            raise ValueError(
                "openai backend: need concurrency >= 1, max_retries >= 0, backoff_s >= 0, "
                f"timeout_s > 0; got {concurrency}, {max_retries}, {backoff_s}, {timeout_s}"
            )
        self._model = model
        self.base_url = base_url
        self.api_key = api_key
        self.api_key_env = api_key_env
        self.concurrency = concurrency
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.timeout_s = timeout_s
        self.ask_n = ask_n
        self._client: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def model(self) -> str:
        return self._model

    @property
    def batch_size(self) -> int:
        """Prompts per call: enough that `concurrency` requests stay in flight across tasks."""
        return 8 * self.concurrency

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_client": None, "_loop": None}  # rebuilt by setup()

    def _key(self) -> str:
        if self.api_key_env:
            key = os.environ.get(self.api_key_env)
            if not key:
                raise ValueError(f"openai backend: set ${self.api_key_env} (named by api_key_env)")
            return key
        return self.api_key or NO_KEY

    def setup(self) -> None:
        """Build the async client on a private event loop, reused by every `generate` call."""
        if self._client is not None:
            return
        from openai import AsyncOpenAI

        self._loop = asyncio.new_event_loop()
        self._client = AsyncOpenAI(
            base_url=self.base_url, api_key=self._key(), max_retries=0, timeout=self.timeout_s
        )

    def generate(self, requests: list[Request]) -> list[Completion]:
        """Blocking; from inside a running event loop, await `agenerate` instead."""
        self.setup()
        assert self._loop is not None
        return self._loop.run_until_complete(self.agenerate(requests))

    async def agenerate(self, requests: list[Request]) -> list[Completion]:
        self.setup()
        gate = asyncio.Semaphore(self.concurrency)
        return list(await asyncio.gather(*(self._one(r, gate) for r in requests)))

    async def _one(self, request: Request, gate: asyncio.Semaphore) -> Completion:
        n, seed = request.sampling.n, request.sampling.seed
        texts = await self._ask(request, n, seed, gate) if self.ask_n else []
        if len(texts) < n:
            log.debug(
                "%s returned %d of %d samples; asking one by one", self.base_url, len(texts), n
            )
            extra = await asyncio.gather(
                *(self._ask(request, 1, seed + i, gate) for i in range(len(texts), n))
            )
            texts += [got[0] if got else "" for got in extra]
        return Completion(request.key, tuple(texts[:n]), self._model)

    async def _ask(self, request: Request, n: int, seed: int, gate: asyncio.Semaphore) -> list[str]:
        s = request.sampling
        args: dict[str, Any] = {
            "model": self._model,
            "messages": [dict(m) for m in request.messages],
            "temperature": s.temperature,
            "top_p": s.top_p,
            "max_tokens": s.max_tokens,
            "seed": seed,
        }
        if n > 1:
            args["n"] = n
        if s.stop:
            args["stop"] = list(s.stop)
        for attempt in range(self.max_retries + 1):
            try:
                async with gate:
                    reply = await self._client.chat.completions.create(**args)
                choices = sorted(reply.choices, key=lambda c: c.index)
                return [c.message.content or "" for c in choices]
            except Exception as exc:
                if not _retryable(exc) or attempt == self.max_retries:
                    raise GenerationError(
                        f"openai backend: {self.base_url} failed after {attempt + 1} "
                        f"attempt(s): {exc}. Check that the server is up and serves {self._model!r}"
                    ) from exc
                await asyncio.sleep(self.backoff_s * 2**attempt)
        raise AssertionError("unreachable")
