"""The trusted side of a Python check, running inside the sandbox child (`run` is the entry).

Candidate code never runs in this process. `run` forks a worker that loads the candidate and
answers calls; here, every test is evaluated with pristine builtins, and each name the candidate
defines is a proxy that sends plain-data arguments to the worker and gets a plain-data result
back. So patched builtins, `__eq__` overrides, printed lines, early exits and writes to the
result channel (closed in the worker; this process is made non-dumpable) cannot pass a test.
Only a test whose arguments or results are not plain data is evaluated whole in the worker, and
its outcome says so.
"""

from __future__ import annotations

import ctypes
import json
import os
from typing import Any

from assay.verifiers.plaindata import Unencodable, decode, encode

PR_SET_DUMPABLE = 4


class WorkerGone(Exception):
    """The candidate's process died or closed its pipe (exit, crash, os._exit)."""


class CandidateError(Exception):
    """The candidate raised; the message is its exception type and text."""


class NeedsWorker(Exception):
    """Arguments or result are not plain data: evaluate this test inside the worker instead."""


class Link:
    """Line-delimited JSON over a pipe pair."""

    def __init__(self, rfd: int, wfd: int) -> None:
        self.reader = os.fdopen(rfd, "rb", buffering=0)
        self.wfd = wfd
        self._buf = b""

    def send(self, message: dict[str, Any]) -> None:
        data = (json.dumps(message) + "\n").encode()
        try:
            while data:
                data = data[os.write(self.wfd, data) :]
        except (BrokenPipeError, OSError) as exc:
            raise WorkerGone(str(exc)) from None

    def recv(self) -> dict[str, Any]:
        while b"\n" not in self._buf:
            chunk = self.reader.read(1 << 16)
            if not chunk:
                raise WorkerGone("the candidate's process ended")
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        try:
            message = json.loads(line)
        except ValueError:
            raise WorkerGone("unreadable reply from the candidate's process") from None
        if not isinstance(message, dict):
            raise WorkerGone("unreadable reply from the candidate's process")
        return message


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc)[:300]}"


def _worker(link: Link, job: dict[str, Any]) -> None:
    """Untrusted side: load the candidate, then answer calls until the pipe closes."""
    ns: dict[str, Any] = {"__name__": "__main__"}
    try:
        exec(compile(job["code"], "<candidate>", "exec"), ns)
        names = {k: callable(v) for k, v in ns.items() if not k.startswith("__")}
        plain = {}
        for k, v in ns.items():
            if not k.startswith("__") and not callable(v):
                try:
                    plain[k] = encode(v)
                except Unencodable:
                    continue
        if job.get("setup"):
            exec(job["setup"], ns)
        link.send({"t": "loaded", "callables": [k for k, c in names.items() if c], "plain": plain})
    except BaseException as exc:
        link.send({"t": "load_error", "error": _describe(exc)})
        os._exit(0)
    while True:
        try:
            req = link.recv()
        except WorkerGone:
            os._exit(0)
        try:
            if "threads" in req:
                import threading

                value = threading.active_count() - 1
            elif "eval" in req:
                value = eval(req["eval"], ns)
            elif "exec" in req:
                value = exec(req["exec"], dict(ns))
            else:
                value = ns[req["call"]](*decode(req["args"]), **decode(req["kwargs"]))
            reply = {"value": encode(value)}
        except Unencodable as exc:
            reply = {"unencodable": str(exc)}
        except BaseException as exc:
            reply = {"error": _describe(exc)}
        link.send(reply)


def _proxy(link: Link, name: str) -> Any:
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            request = {"call": name, "args": encode(list(args)), "kwargs": encode(kwargs)}
        except Unencodable:
            raise NeedsWorker from None
        link.send(request)
        reply = link.recv()
        if "unencodable" in reply:
            raise NeedsWorker
        if "error" in reply:
            raise CandidateError(str(reply["error"]))
        return decode(reply["value"])

    call.__name__ = name
    return call


def _evaluate(test: dict[str, Any], ns: dict[str, Any], link: Link) -> dict[str, Any]:
    """One test's result: a plain value (value tests) or ok/error (statement blocks)."""
    value_test = test["kind"] == "value"
    source = test["expr"] if value_test else test["code"]
    try:
        try:
            if value_test:
                value = eval(source, dict(ns))
            else:
                exec(source, dict(ns))
            where = "harness"
        except NeedsWorker:
            link.send({"eval" if value_test else "exec": source})
            reply = link.recv()
            if "value" not in reply:
                return {
                    "ok": False,
                    "error": reply.get("error") or reply.get("unencodable"),
                    "where": "worker",
                }
            value, where = decode(reply["value"]), "worker"
        if value_test:
            return {"value": encode(value), "where": where}
        return {"ok": True, "where": where}
    except WorkerGone:
        raise
    except CandidateError as exc:
        return {"ok": False, "error": str(exc)}
    except AssertionError as exc:
        return {"ok": False, "error": f"AssertionError: {str(exc)[:300]}".rstrip(": ")}
    except BaseException as exc:
        return {"ok": False, "error": _describe(exc)}


def run(payload: bytes, channel: int) -> None:
    """Fork the candidate's worker, run each test here through proxies, report each result."""
    ctypes.CDLL(None).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    job = json.loads(payload)
    worker_in, harness_out = os.pipe()
    harness_in, worker_out = os.pipe()
    worker = os.fork()
    if worker == 0:
        try:
            os.close(channel)
            os.close(harness_out)
            os.close(harness_in)
            _worker(Link(worker_in, worker_out), job)
        finally:
            os._exit(0)
    os.close(worker_in)
    os.close(worker_out)
    link = Link(harness_in, harness_out)

    def send(message: dict[str, Any]) -> None:
        os.write(channel, (json.dumps(message) + "\n").encode())

    try:
        hello = link.recv()
    except WorkerGone as exc:
        send({"t": "load_error", "error": f"the candidate exited while loading ({exc})"})
        return
    if hello.get("t") != "loaded":
        send({"t": "load_error", "error": str(hello.get("error", "failed to load"))})
        return
    ns: dict[str, Any] = {"__name__": "__test__"}
    for name, tagged in hello.get("plain", {}).items():
        ns[str(name)] = decode(tagged)
    for name in hello.get("callables", []):
        ns[str(name)] = _proxy(link, str(name))
    if job.get("setup"):
        exec(job["setup"], ns)
    send({"t": "loaded"})
    for index, test in enumerate(job["tests"]):
        try:
            outcome = _evaluate(test, ns, link)
        except WorkerGone as exc:
            send({"t": "gone", "i": index, "error": str(exc)})
            return
        send({"t": "test", "i": index, **outcome})
    send({"t": "done", "leftovers": _leftovers(link, worker)})


def _leftovers(link: Link, worker: int) -> list[str]:
    """Threads and processes the candidate left running (it must clean up after itself)."""
    found = []
    try:
        link.send({"threads": True})
        threads = decode(link.recv().get("value", ["int", "0"]))
    except WorkerGone:
        threads = 0
    if threads:
        found.append(f"{threads} thread(s)")
    others = _own_processes() - {os.getpid(), worker}
    if others:
        found.append(f"{len(others)} process(es)")
    return found


def _own_processes() -> set[int]:
    """Live processes of this check's uid (the sandbox gives each check a PID namespace view
    and a uid of its own, so these are exactly what the check started)."""
    uid = str(os.getuid())
    pids = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as handle:
                fields = dict(line.split(":", 1) for line in handle if ":" in line)
        except OSError:
            continue
        zombie = fields.get("State", "").strip().startswith("Z")
        if fields.get("Uid", "").split()[:1] == [uid] and not zombie:
            pids.add(int(entry))
    return pids
