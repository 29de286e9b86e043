"""A client for `assay verify-server`, with the standard library alone (no Ray, no assay).

    from assay.client import Client
    verdicts = Client("http://127.0.0.1:8077").verify("python", items)

Items go in batches (`batch`, several at once: `concurrency`); a 429 (queue full) or 503
(server stopping or starting) is retried after its Retry-After, up to `retries` times. Every
verdict carries `judged`: false means the check itself failed (worker lost twice, sandbox or
toolchain unavailable), not that the candidate is wrong. Reward functions built here give such
items no reward at all (`unjudged`, None by default) so a trainer masks them instead of
learning from a fake zero. See `reward_funcs` (TRL) and `compute_score` (veRL).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

__all__ = ["Client", "ServiceError", "reward_funcs", "reward_of", "verl_compute_score"]


class ServiceError(RuntimeError):
    """The server refused a request for good (a 4xx other than 429, or retries spent)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status


class Client:
    def __init__(
        self,
        url: str = "http://127.0.0.1:8077",
        token: str | None = None,
        batch: int = 16,
        concurrency: int = 4,
        retries: int = 30,
        timeout_s: float = 600.0,
    ) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.batch = max(1, batch)
        self.concurrency = max(1, concurrency)
        self.retries = retries
        self.timeout_s = timeout_s

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        for attempt in range(self.retries + 1):
            request = urllib.request.Request(self.url + path, data, headers, method=method)
            try:
                with urllib.request.urlopen(request, timeout=self.timeout_s) as reply:
                    return json.loads(reply.read())
            except urllib.error.HTTPError as exc:
                text = exc.read().decode(errors="replace")
                if exc.code not in (429, 503) or attempt == self.retries:
                    raise ServiceError(exc.code, _message(text)) from None
                wait = exc.headers.get("Retry-After", "1")
                time.sleep(min(30.0, float(wait) if wait.isdigit() else 1.0))
        raise AssertionError("unreachable")

    def healthy(self) -> bool:
        """Whether the server is up and ready (no retries)."""
        try:
            with urllib.request.urlopen(self.url + "/healthz", timeout=5) as reply:
                return bool(reply.status == 200)
        except OSError:
            return False

    def verifiers(self) -> dict[str, Any]:
        """The verifiers served and their item fields."""
        return dict(self._call("GET", "/verifiers")["verifiers"])

    def verify(self, verifier: str, items: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """One verdict per item, in order (batched; 429 and 503 retried)."""
        parts = [list(items[i : i + self.batch]) for i in range(0, len(items), self.batch)]

        def one(part: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return list(self._call("POST", f"/verify/{verifier}", {"items": part})["verdicts"])

        with ThreadPoolExecutor(self.concurrency) as pool:
            return [v for got in pool.map(one, parts) for v in got]


def _message(text: str) -> str:
    try:
        return str(json.loads(text).get("error", text))
    except (ValueError, AttributeError):
        return text


def reward_of(verdict: dict[str, Any], unjudged: float | None = None) -> float | None:
    """1.0 for a pass, 0.0 for any other judged verdict; `unjudged` when the check itself
    failed (None: TRL ignores that reward, so the sample is masked, not scored wrong)."""
    if not verdict.get("judged", True):
        return unjudged
    return 1.0 if verdict.get("status") == "pass" else 0.0


def _text(completion: Any) -> str:
    """A TRL completion: a string, or a conversation whose last message holds the answer."""
    if isinstance(completion, list) and completion:
        return str(completion[-1].get("content", ""))
    return str(completion)


def reward_funcs(
    client: Client,
    verifier: str,
    item_of: Callable[[str, dict[str, Any]], dict[str, Any]],
    unjudged: float | None = None,
) -> Callable[..., list[float | None]]:
    """A TRL `GRPOTrainer` reward function: `(prompts, completions, **kwargs) -> rewards`.
    `item_of(completion_text, row)` makes the verifier's item from a completion and its
    dataset row (`kwargs` holds the dataset's other columns, one list entry per completion)."""

    def reward(prompts: list[Any], completions: list[Any], **kwargs: Any) -> list[float | None]:
        columns = {k: v for k, v in kwargs.items() if isinstance(v, list | tuple)}
        rows = [{k: v[i] for k, v in columns.items()} for i in range(len(completions))]
        items = [item_of(_text(c), row) for c, row in zip(completions, rows, strict=True)]
        return [reward_of(v, unjudged) for v in client.verify(verifier, items)]

    reward.__name__ = f"assay_{verifier.replace('-', '_')}"
    return reward


def verl_compute_score(
    client: Client,
    verifier: str,
    item_of: Callable[[str, Any, dict[str, Any]], dict[str, Any]],
    unjudged: float = 0.0,
) -> Callable[..., dict[str, Any]]:
    """A veRL custom reward (`compute_score(data_source, solution_str, ground_truth,
    extra_info=None)`): a dict with `score` and `judged`, so a run can mask `judged == 0`
    (veRL needs a number: `unjudged` stands in)."""

    def compute_score(
        data_source: Any, solution_str: str, ground_truth: Any, extra_info: Any = None, **_: Any
    ) -> dict[str, Any]:
        item = item_of(solution_str, ground_truth, dict(extra_info or {}))
        verdict = client.verify(verifier, [item])[0]
        score = reward_of(verdict, None)
        return {"score": unjudged if score is None else score,
                "judged": float(score is not None), "status": verdict.get("status")}  # fmt: skip

    return compute_score
