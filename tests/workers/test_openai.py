"""The openai backend against real servers: llama.cpp's OpenAI-compatible server with the 135M
model, and a tiny local HTTP server that fails first, to exercise the retries."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from assay.workers.api import Request, Sampling
from assay.workers.openai_client import GenerationError
from assay.workers.registry import build

MESSAGES = ({"role": "user", "content": "Name a colour."},)
STARTUP_S = 90


@pytest.fixture(scope="module")
def llama_server(smollm2: Path, llama_cpp_installed: None) -> Iterator[str]:
    pytest.importorskip(
        "sse_starlette", reason="llama.cpp server extras missing (uv sync --group dev)"
    )
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    argv = [sys.executable, "-m", "llama_cpp.server", "--model", str(smollm2), "--host",
            "127.0.0.1", "--port", str(port), "--n_ctx", "1024", "--n_threads", "1",
            "--model_alias", "smollm2", "--verbose", "False"]  # fmt: skip
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)  # fmt: skip
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + STARTUP_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"llama.cpp server exited: {proc.stderr.read().decode()[-2000:]}")
            try:
                urllib.request.urlopen(base + "/models", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("llama.cpp server did not start in time")
                time.sleep(0.3)
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_n_samples_from_a_real_server(llama_server: str) -> None:
    generator = build("openai", model="smollm2", base_url=llama_server, concurrency=2)
    generator.setup()
    sampling = Sampling(n=2, temperature=1.0, max_tokens=6, seed=11)
    requests = [Request("a", MESSAGES, sampling), Request("b", MESSAGES, Sampling(max_tokens=6))]
    got = generator.generate(requests)
    assert [c.key for c in got] == ["a", "b"]
    assert [len(c.texts) for c in got] == [2, 1]  # llama.cpp ignores n: the rest came one by one
    assert all(t.strip() for c in got for t in c.texts)
    assert got[0].model == "smollm2"
    again = generator.generate(requests[:1])  # seeds make the server's samples reproducible
    assert again[0].texts == got[0].texts


class _Flaky(BaseHTTPRequestHandler):
    """Chat completions that fail with `codes` (one per request) before answering."""

    codes: ClassVar[list[int]] = []
    seen: ClassVar[list[dict]] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).seen.append({"auth": self.headers.get("Authorization"), **body})
        code = type(self).codes.pop(0) if type(self).codes else 200
        if code != 200:
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps({"error": {"message": "try later"}}).encode())
            return
        n = body.get("n", 1)
        reply = {
            "id": "x", "object": "chat.completion", "created": 0, "model": body["model"],
            "choices": [
                {"index": i, "finish_reason": "stop",
                 "message": {"role": "assistant", "content": f"seed {body['seed']} #{i}"}}
                for i in range(n)
            ],
        }  # fmt: skip
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def flaky() -> Iterator[tuple[str, type[_Flaky]]]:
    handler = type("Flaky", (_Flaky,), {"codes": [], "seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", handler
    finally:
        server.shutdown()
        server.server_close()


def test_retries_5xx_and_429_then_succeeds(flaky, monkeypatch: pytest.MonkeyPatch) -> None:
    base, handler = flaky
    handler.codes = [500, 429]
    monkeypatch.setenv("MY_SERVER_KEY", "sekret")
    generator = build("openai", model="m", base_url=base, backoff_s=0.01,
                      api_key_env="MY_SERVER_KEY")  # fmt: skip
    got = generator.generate([Request("k", MESSAGES, Sampling(n=2, seed=5))])
    assert got[0].texts == ("seed 5 #0", "seed 5 #1")
    assert len(handler.seen) == 3  # 500, 429, then 200
    assert {s["auth"] for s in handler.seen} == {"Bearer sekret"}
    assert handler.seen[-1]["n"] == 2


def test_gives_up_after_max_retries(flaky) -> None:
    base, handler = flaky
    handler.codes = [503] * 10
    generator = build("openai", model="m", base_url=base, backoff_s=0.01, max_retries=2)
    with pytest.raises(GenerationError, match="failed after 3 attempt"):
        generator.generate([Request("k", MESSAGES)])
    assert len(handler.seen) == 3


def test_client_errors_are_not_retried(flaky) -> None:
    base, handler = flaky
    handler.codes = [400]
    generator = build("openai", model="m", base_url=base, backoff_s=0.01)
    with pytest.raises(GenerationError, match="after 1 attempt"):
        generator.generate([Request("k", MESSAGES)])
    assert len(handler.seen) == 1


def test_fewer_choices_are_topped_up_with_seed_plus_i(flaky) -> None:
    base, handler = flaky
    generator = build("openai", model="m", base_url=base, ask_n=False)
    got = generator.generate([Request("k", MESSAGES, Sampling(n=3, seed=20))])
    assert got[0].texts == ("seed 20 #0", "seed 21 #0", "seed 22 #0")
    assert all("n" not in s for s in handler.seen)


def test_the_key_is_never_read_implicitly(flaky, monkeypatch: pytest.MonkeyPatch) -> None:
    base, handler = flaky
    monkeypatch.setenv("OPENAI_API_KEY", "must-not-leak")
    build("openai", model="m", base_url=base).generate([Request("k", MESSAGES)])
    assert handler.seen[0]["auth"] == "Bearer EMPTY"
    monkeypatch.delenv("ABSENT_KEY", raising=False)
    with pytest.raises(ValueError, match=r"set \$ABSENT_KEY"):
        build("openai", model="m", base_url=base, api_key_env="ABSENT_KEY").setup()
