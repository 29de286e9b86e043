"""A live `assay verify-server` on loopback: round trips for python, program, verilog and coq
(verdicts as `assay verify` writes them, config_hash included), 400 and 429 over HTTP, the
client's reward functions, a load from 16 clients with a verifier worker killed mid-load
(every item answered, none wrong), and nothing left running once the server stops."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from conftest import Server

from assay.client import Client, ServiceError, reward_funcs, verl_compute_score
from assay.flows.service.setups import setup_of
from assay.flows.stop import alive
from assay.flows.verify import verify_file

pytestmark = pytest.mark.timeout(240)

PY_OK = {"code": "def f(x):\n    return x + 1\n", "tests": ["assert f(1) == 2"]}
PY_BAD = {"code": "def f(x):\n    return x\n", "tests": ["assert f(1) == 2"]}
SUM_TESTS = [{"stdin": "1 2\n", "stdout": "3\n"}, {"stdin": "4 5", "stdout": "9"}]
C_SUM = '#include <stdio.h>\nint main(){int a,b;scanf("%d %d",&a,&b);printf("%d\\n",a+b);}\n'
PY_SUM = "a, b = map(int, open(0).read().split())\nprint(a + b)\n"
TOP = "module TopModule(input a, input b, output y); assign y = a {op} b; endmodule"
REF = "module RefModule(input a, input b, output y); assign y = a & b; endmodule"
ROUND_TRIPS = {
    "python": ([{"id": "p1", **PY_OK, "source": "kept"}, {"id": "p2", **PY_BAD}],
               ["pass", "fail"]),
    "program": ([{"id": "c", "language": "c", "code": C_SUM, "tests": SUM_TESTS},
                 {"id": "py", "language": "python", "code": "print(0)\n", "tests": SUM_TESTS}],
                ["pass", "fail"]),
    "verilog": ([{"id": "v1", "code": TOP.format(op="&"), "reference": REF},
                 {"id": "v2", "code": TOP.format(op="|"), "reference": REF}], ["pass", "fail"]),
    "coq": ([{"id": "q1", "statement": "Theorem t : forall n : nat, 0 + n = n.",
              "proof": "Proof. reflexivity. Qed."},
             {"id": "q2", "statement": "Theorem t : forall n : nat, n + 0 = 0.",
              "proof": "Proof. reflexivity. Qed."}], ["pass", "fail"]),
}  # fmt: skip


def post(server: Server, path: str, body: Any) -> tuple[int, dict[str, str], dict[str, Any]]:
    """Status, headers (lower-case names) and JSON body of a POST."""
    request = urllib.request.Request(server.url + path, json.dumps(body).encode(), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=120) as reply:
            status, headers, data = reply.status, reply.headers, reply.read()
    except urllib.error.HTTPError as exc:
        status, headers, data = exc.code, exc.headers, exc.read()
    return status, {k.lower(): v for k, v in headers.items()}, json.loads(data)


def cli_lines(name: str, items: list[dict[str, Any]], tmp: Path) -> list[dict[str, Any]]:
    """What `assay verify NAME` writes for `items` (no --config)."""
    src, out = tmp / f"{name}.jsonl", tmp / f"{name}.out.jsonl"
    src.write_text("".join(json.dumps(i) + "\n" for i in items))
    setup = setup_of(name)
    verify_file(name, src, out, setup.limits, 1, setup.options)
    return [json.loads(line) for line in out.read_text().splitlines()]


def bare(line: dict[str, Any]) -> dict[str, Any]:
    """A verdict line without what differs between two checks of the same item."""
    drop = {"duration_s", "judged", "reason"}
    varies = ("cached", "memory_peak_mb")
    evidence = {
        k: v for k, v in line["evidence"].items() if not k.endswith("_s") and k not in varies
    }
    return {**{k: v for k, v in line.items() if k not in drop}, "evidence": evidence}


@pytest.mark.parametrize("name", sorted(ROUND_TRIPS))
def test_round_trip_as_assay_verify_writes_it(server: Server, name: str, tmp_path: Path) -> None:
    items, expected = ROUND_TRIPS[name]
    status, _, body = post(server, f"/verify/{name}", {"items": items})
    assert status == 200, body
    got = body["verdicts"]
    assert [v["status"] for v in got] == expected and all(v["judged"] for v in got)
    assert [bare(v) for v in got] == [bare(v) for v in cli_lines(name, items, tmp_path)]


def test_verifiers_lists_names_and_fields(server: Server) -> None:
    verifiers = Client(server.url).verifiers()
    assert {"python", "program", "verilog", "coq"} <= set(verifiers)
    assert verifiers["coq"]["fields"]["proof"] == {"type": "str", "required": True}


def test_a_malformed_item_is_a_400_naming_it(server: Server) -> None:
    items = [{"id": "a", **PY_OK}, {"id": "b", "code": 3, "tests": []}]
    status, _, body = post(server, "/verify/python", {"items": items})
    assert (status, body["error"]) == (400, "item 1 is not a valid python input: field code: "
                                              "Input should be a valid string")  # fmt: skip
    with pytest.raises(ServiceError, match="HTTP 400"):
        Client(server.url).verify("python", items)


def test_a_full_queue_is_a_429_with_retry_after(server: Server) -> None:
    slow = {"code": "import time\ntime.sleep(0.4)\ndef f(x):\n    return x + 1\n",
            "tests": ["assert f(1) == 2"]}  # fmt: skip
    items = [{"id": str(i), **slow} for i in range(16)]
    first: list[Any] = []
    sender = threading.Thread(target=lambda: first.append(post(server, "/verify/python",
                                                               {"items": items})))  # fmt: skip
    sender.start()
    while not first and json.load(urllib.request.urlopen(server.url + "/healthz"))["queued"] < 16:
        time.sleep(0.05)
    status, headers, body = post(server, "/verify/python", {"items": [items[0]] * 60})
    sender.join()
    assert status == 429 and int(headers["retry-after"]) >= 1, body
    assert first[0][0] == 200 and all(v["status"] == "pass" for v in first[0][2]["verdicts"])


def test_reward_functions_for_trl_and_verl(server: Server) -> None:
    client = Client(server.url)

    def item(completion: str, row: dict[str, Any]) -> dict[str, Any]:
        return {"id": row["task"], "code": completion, "tests": row["tests"]}

    reward = reward_funcs(client, "python", item)
    rows = {"task": ["t1", "t2"], "tests": [PY_OK["tests"]] * 2}
    completions = [[{"role": "assistant", "content": PY_OK["code"]}], PY_BAD["code"]]
    assert reward(["p", "p"], completions, **rows) == [1.0, 0.0]
    score = verl_compute_score(
        client, "python", lambda text, truth, extra: {"id": "x", "code": text, "tests": truth}
    )
    assert score("src", PY_OK["code"], PY_OK["tests"], None)["score"] == 1.0


def test_a_load_with_a_worker_killed_is_answered_in_full_and_never_wrong(
    server: Server,
) -> None:
    items = [{"id": f"{i}", **(PY_OK if i % 3 else PY_BAD)} for i in range(320)]
    results: dict[int, list[dict[str, Any]]] = {}

    def one(part: int) -> None:
        client = Client(server.url, batch=4, concurrency=1)
        results[part] = client.verify("python", items[part * 20 : part * 20 + 20])

    threads = [threading.Thread(target=one, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    time.sleep(1.0)  # mid-load
    (victim, *_) = server.pids("ServeReplica:assay-verify:VerifierWorker")
    os.kill(victim, signal.SIGKILL)
    for t in threads:
        t.join(120)
    got = [v for n in range(16) for v in results[n]]
    assert [v["id"] for v in got] == [i["id"] for i in items]
    for verdict, item in zip(got, items, strict=True):
        if verdict["judged"]:
            assert verdict["status"] == ("pass" if item is not None and int(item["id"]) % 3
                                         else "fail")  # fmt: skip
        else:
            assert verdict["reason"].startswith("verifier worker lost")
    assert sum(v["judged"] for v in got) >= len(got) - 8


def test_an_item_whose_workers_keep_dying_is_not_judged(server: Server) -> None:
    """A planted infrastructure fault: every verifier worker killed while it checks the item
    (it takes 3 s), again and again; the answer says the check failed, never `fail`."""
    slow = {"id": "s", "code": "import time\ntime.sleep(3)\ndef f(x):\n    return x + 1\n",
            "tests": ["assert f(1) == 2"]}  # fmt: skip
    got: list[Any] = []
    sender = threading.Thread(target=lambda: got.append(post(server, "/verify/python",
                                                             {"items": [slow]})))  # fmt: skip
    sender.start()
    deadline = time.monotonic() + 100
    while not got and time.monotonic() < deadline:
        time.sleep(1.0)
        for pid in server.pids("ServeReplica:assay-verify:VerifierWorker"):
            os.kill(pid, signal.SIGKILL)
    sender.join(10)
    status, _, body = got[0]
    (verdict,) = body["verdicts"]
    assert status == 200 and verdict["judged"] is False and verdict["status"] == "error"
    assert verdict["reason"].startswith("verifier worker lost 2 times on this item")


def test_a_stopped_worker_is_replaced_and_its_items_answered(server: Server) -> None:
    """SIGSTOP on a verifier replica mid-request: its call passes its deadline, the items go
    to another worker, and Serve's health check kills and replaces the stopped one."""
    slow = {"code": "import time\ntime.sleep(1)\ndef f(x):\n    return x + 1\n",
            "tests": ["assert f(1) == 2"]}  # fmt: skip
    items = [{"id": f"{i}", **slow} for i in range(4)]
    deadline = time.monotonic() + 90  # the test before killed every replica: wait for them
    while len(server.pids("ServeReplica:assay-verify:VerifierWorker")) < 2:
        assert time.monotonic() < deadline, "the verifier replicas did not come back"
        time.sleep(0.5)
    assert post(server, "/verify/python", {"items": [{"id": "warm", **PY_OK}]})[0] == 200
    got: list[Any] = []
    sender = threading.Thread(target=lambda: got.append(post(server, "/verify/python",
                                                             {"items": items})))  # fmt: skip
    sender.start()
    time.sleep(0.5)
    (victim, *_) = server.pids("ServeReplica:assay-verify:VerifierWorker")
    os.kill(victim, signal.SIGSTOP)
    sender.join(120)
    status, _, body = got[0]
    assert status == 200 and [v["status"] for v in body["verdicts"]] == ["pass"] * 4
    deadline = time.monotonic() + 60
    while alive(victim) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not alive(victim), "the stopped replica was never replaced"


def test_nothing_is_left_running_after_the_server_stops(server: Server) -> None:
    left = server.stop()
    assert server.proc.returncode == 143
    assert left == []
