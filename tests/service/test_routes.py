"""The HTTP API's routes and the service's core, without a server: validation before anything
is checked (400 naming item and field), the bounded queue (429), stopping (503), the token,
a lost worker's items retried alone, and judged: false, never a wrong verdict, when the check
itself failed (a worker lost twice, a toolchain missing)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any

import pytest

from assay.flows.service.core import Core
from assay.flows.service.http import Reply, route
from assay.flows.service.setups import ServiceConfig, setups
from assay.schemas.records import Status, Verdict

GOOD = {"id": "a", "code": "def f(x):\n    return x + 1\n", "tests": ["assert f(1) == 2"]}
SETUPS = setups()


class Lost(RuntimeError):
    """A worker lost mid-call."""


class FakeWorkers:
    """Passes every item; loses the calls `lose` says (by call number)."""

    def __init__(self, lose: set[int] | None = None, always: bool = False) -> None:
        self.calls: list[list[str]] = []
        self.lose = lose or set()
        self.always = always

    async def send(
        self, verifier: str, options: Any, items: list[Any], limits: Any, deadline_s: float
    ) -> Any:
        assert deadline_s > 0  # the worker learns when its call must have answered
        self.calls.append([str(i.id) for i in items])
        if self.always or len(self.calls) in self.lose:
            raise Lost("actor died")
        return [Verdict(str(i.id), verifier, Status.PASS, 1, 1) for i in items]

    def lost(self, exc: BaseException) -> bool:
        return isinstance(exc, Lost)

    async def probe(self) -> None:
        if self.always:
            raise Lost("no worker up")


def call(core: Core, method: str, path: str, body: Any = None, **headers: str) -> Reply:
    data = b"" if body is None else json.dumps(body).encode()
    return asyncio.run(route(core, method, path, headers, data))


def core_of(workers: FakeWorkers, **config: Any) -> Core:
    return Core(SETUPS, workers, ServiceConfig(**config), replicas=1, in_flight=2)


def test_a_malformed_item_is_refused_naming_item_and_field_with_nothing_checked() -> None:
    workers = FakeWorkers()
    core = core_of(workers)
    reply = call(core, "POST", "/verify/python", {"items": [GOOD, {"id": "b", "code": "x"}]})
    assert reply.status == 400
    assert reply.body["error"] == "item 1 is not a valid python input: field tests: Field required"
    assert workers.calls == [] and core.queued == 0
    assert call(core, "POST", "/verify/python", {"item": [GOOD]}).status == 400
    assert call(core, "POST", "/verify/nosuch", {"items": [GOOD]}).status == 404


def test_a_full_queue_answers_429_with_retry_after() -> None:
    workers = FakeWorkers()
    core = core_of(workers, max_queue=4)
    core.queued = 3  # items of other requests still being checked
    reply = call(core, "POST", "/verify/python", {"items": [GOOD, GOOD]})
    assert reply.status == 429 and int(reply.headers["Retry-After"]) >= 1
    assert workers.calls == []
    core.queued = 0
    assert call(core, "POST", "/verify/python", {"items": [GOOD, GOOD]}).status == 200
    assert call(core, "POST", "/verify/python", {"items": [GOOD] * 5}).status == 413


def test_healthz_is_503_until_a_worker_answers() -> None:
    assert call(core_of(FakeWorkers(always=True)), "GET", "/healthz").status == 503
    reply = call(core_of(FakeWorkers()), "GET", "/healthz")
    assert reply.status == 200 and reply.body["ready"] is True


def test_a_stopping_server_answers_503_with_retry_after() -> None:
    core = core_of(FakeWorkers())
    core.draining = True
    reply = call(core, "POST", "/verify/python", {"items": [GOOD]})
    assert reply.status == 503 and reply.headers["Retry-After"] == "5"
    assert call(core, "GET", "/healthz").status == 503


def test_the_token_is_asked_for_when_set() -> None:
    core = core_of(FakeWorkers(), token="s3cret")
    assert call(core, "GET", "/verifiers").status == 401
    assert call(core, "GET", "/verifiers", authorization="Bearer wrong").status == 401
    reply = call(core, "GET", "/verifiers", authorization="Bearer s3cret")
    assert reply.status == 200 and reply.body["verifiers"]["python"]["fields"]["tests"] == {
        "type": "list[str]", "required": True}  # fmt: skip


def test_a_lost_workers_items_are_retried_alone_and_answered() -> None:
    workers = FakeWorkers(lose={1})
    items = [{**GOOD, "id": str(i)} for i in range(4)]
    reply = call(core_of(workers), "POST", "/verify/python", {"items": items})
    assert reply.status == 200
    assert [v["id"] for v in reply.body["verdicts"]] == ["0", "1", "2", "3"]
    assert all(v["judged"] and v["status"] == "pass" for v in reply.body["verdicts"])
    lost = workers.calls[0]  # four items over two calls at once: two a call
    assert len(lost) == 2 and all([i] in workers.calls[2:] for i in lost)  # then each alone


def test_an_item_whose_worker_is_lost_twice_is_not_judged() -> None:
    reply = call(core_of(FakeWorkers(always=True)), "POST", "/verify/python", {"items": [GOOD]})
    (verdict,) = reply.body["verdicts"]
    assert verdict["judged"] is False and verdict["status"] == "error"
    assert verdict["reason"].startswith("verifier worker lost 2 times on this item")
    assert verdict["config_hash"]  # stamped like a checked verdict


def test_a_missing_toolchain_is_not_judged(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """A planted infrastructure fault in a real verifier worker: iverilog is not on PATH."""
    from assay.flows.service.deploy import VerifierWorker
    from assay.verifiers import registry
    from assay.verifiers.jsonl import verdict_line
    from assay.verifiers.tools import forget

    setup = SETUPS["verilog"]
    model = registry.get("verilog").Item.model_validate(
        {"id": "v", "code": "module TopModule(output y); assign y = 1; endmodule",
         "reference": "module RefModule(output y); assign y = 1; endmodule"})  # fmt: skip
    worker = VerifierWorker.func_or_class()  # type: ignore[attr-defined]
    try:
        monkeypatch.setenv("PATH", str(tmp_path))
        forget()  # a tool found is kept for the process: look again, on this PATH
        (verdict,) = worker.check("verilog", setup.options, [model], setup.limits)
    finally:
        monkeypatch.undo()
        forget()  # and again on the real PATH for what runs next in this process
        worker.checker.close()
    line = verdict_line(model, verdict)  # as the service and `assay verify` write it
    assert line["judged"] is False and line["status"] == "error"
    assert "not found" in line["reason"] and "iverilog" in line["reason"]


def test_a_worker_holding_a_call_past_its_deadline_fails_its_health_check() -> None:
    """A replica whose process runs but whose call is stuck is replaced, not waited on: Serve
    kills a replica whose `check_health` raises. Here a real check (1.5 s in the sandbox) given
    a 0.3 s deadline."""
    from assay.flows.service.deploy import VerifierWorker
    from assay.verifiers import registry

    item = registry.get("python").Item.model_validate(
        {"id": "slow", "code": "import time\ntime.sleep(1.5)\ndef f(x):\n    return x\n",
         "tests": ["assert f(1) == 1"]})  # fmt: skip
    worker = VerifierWorker.func_or_class()  # type: ignore[attr-defined]
    limits = SETUPS["python"].limits
    try:
        worker.check_health()  # idle: healthy
        done: list[Any] = []
        thread = threading.Thread(
            target=lambda: done.extend(worker.check("python", None, [item], limits, 0.3))
        )
        thread.start()
        time.sleep(0.8)
        with pytest.raises(RuntimeError, match="past their deadline"):
            worker.check_health()
        thread.join(30)
        assert [v.status.value for v in done] == ["pass"]
        worker.check_health()  # it answered: healthy again
    finally:
        worker.checker.close()
