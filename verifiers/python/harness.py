"""The trusted side of a Python check, running inside the sandbox child (`run` is the entry).

Candidate code never runs in this process. `run` forks a worker that loads the candidate and
answers calls; here, every test is evaluated with pristine builtins, and each function the
candidate defines is a proxy that sends plain-data arguments to the worker and gets a plain-data
result back. So patched builtins, `__eq__` overrides, printed lines, early exits and writes to
the result channel (closed in the worker; this process is made non-dumpable) cannot pass a test.

The payload is one JSON header line (code, setup, entry point) and then the tests. The worker is
forked before the tests are decoded and zeroes its copy of the payload before the candidate runs,
so the candidate cannot read the tests from its own memory through frames or the collector.
"""

from __future__ import annotations

import builtins
import contextlib
import ctypes
import json
import os
import sys
import types
from typing import Any

from assay.verifiers.python.plaindata import Unencodable, decode, encode
from assay.verifiers.sandbox.child import DONE_FD

PR_SET_DUMPABLE = 4
_BUILTIN_NAMES = frozenset(dir(builtins))
_BYTES_DATA = sys.getsizeof(b"") - 1  # offset of a bytes object's data (CPython layout)


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
        except OSError as exc:
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


def describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc)[:300]}"


def _exports(ns: dict[str, Any]) -> dict[str, Any]:
    """What the candidate defined, as the harness may use it: names only, or plain data."""
    callables, modules, plain = [], {}, {}
    for name, value in ns.items():
        if name.startswith("__"):
            continue
        if isinstance(value, types.ModuleType):
            modules[name] = value.__name__
        elif callable(value):
            callables.append(name)
        else:
            try:
                plain[name] = encode(value)
            except Unencodable:
                continue
    return {"callables": callables, "modules": modules, "plain": plain}


_MISSING = object()


def _restore(pristine: dict[str, Any], patched: set[str]) -> None:
    """Put back every builtin the candidate replaced or deleted, noting its name (uses no
    builtins itself, since they may be the patched ones)."""
    current = builtins.__dict__
    for name, value in pristine.items():
        if current.get(name, _MISSING) is not value:
            current[name] = value
            patched.add(name)


def serve(link: Link, head: dict[str, Any]) -> None:
    """Untrusted side: load the candidate, then answer calls until the pipe closes."""
    pristine = dict(builtins.__dict__)  # before the candidate can patch anything
    patched: set[str] = set()
    ns: dict[str, Any] = {"__name__": "__main__"}
    try:
        try:
            exec(compile(head["code"], "<candidate>", "exec"), ns)
        finally:
            _restore(pristine, patched)
        exports = _exports(ns)
        if head.get("setup"):
            exec(head["setup"], ns)
        link.send({"t": "loaded", **exports})
    except BaseException as exc:
        link.send({"t": "load_error", "error": describe(exc)})
        os._exit(0)
    while True:
        try:
            req = link.recv()
        except WorkerGone:
            os._exit(0)
        try:
            value: Any
            if "threads" in req:
                import threading

                value = {"threads": threading.active_count() - 1, "patched": sorted(patched)}
            elif "eval" in req:
                value = eval(req["eval"], {**ns, "__builtins__": pristine})
            elif "exec" in req:
                exec(req["exec"], {**ns, "__builtins__": pristine})
                value = None
            else:
                value = ns[req["call"]](*decode(req["args"]), **decode(req["kwargs"]))
            _restore(pristine, patched)
            reply = {"value": encode(value)}
        except Unencodable as exc:
            reply = {"unencodable": str(exc)}
        except BaseException as exc:
            _restore(pristine, patched)
            reply = {"error": describe(exc)}
        link.send(reply)


def _seal(data: bytes) -> None:
    """Zero this process's copy of `data` in place; the worker is a private copy-on-write fork."""
    if len(data) > 1:  # 0- and 1-byte bytes objects are shared singletons
        ctypes.memset(id(data) + _BYTES_DATA, 0, len(data))


def _proxy(link: Link, name: str) -> Any:
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            request = {"call": name, "args": encode(list(args)), "kwargs": encode(kwargs)}
        except Exception:
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
            # Not plain data: only the candidate's own process can evaluate it. A value still
            # comes back as plain data for the parent to compare; a block's "ok" is marked.
            link.send({"eval" if value_test else "exec": source})
            reply = link.recv()
            if "value" not in reply:
                error = reply.get("error") or reply.get("unencodable")
                return {"ok": False, "error": str(error), "where": "worker"}
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
        return {"ok": False, "error": describe(exc)}


def _namespace(hello: dict[str, Any], link: Link, entry_point: str) -> dict[str, Any]:
    """The tests' globals: plain values, stdlib modules and proxies for the candidate's names.

    Names that shadow a builtin are left out (the entry point excepted), so a candidate that
    defines its own `abs` or `isinstance` cannot change what a test means.
    """
    ns: dict[str, Any] = {"__name__": "__test__"}

    def allowed(name: Any) -> bool:
        ok = isinstance(name, str) and name.isidentifier() and not name.startswith("__")
        return ok and (name not in _BUILTIN_NAMES or name == entry_point)

    for name, tagged in dict(hello.get("plain", {})).items():
        if allowed(name):
            ns[name] = decode(tagged)
    for name, module in dict(hello.get("modules", {})).items():
        if allowed(name) and isinstance(module, str):
            top = module.partition(".")[0]
            if top in sys.stdlib_module_names and not top.startswith("_"):
                __import__(module)
                ns[name] = sys.modules[module]
    for name in list(hello.get("callables", [])):
        if allowed(name):
            ns[name] = _proxy(link, name)
    if entry_point and "candidate" not in ns and entry_point in ns:
        ns["candidate"] = ns[entry_point]  # raw HumanEval tests call `candidate(...)`
    return ns


def _start_worker(payload: bytes, cut: int, channel: int) -> tuple[int, Link]:
    worker_in, harness_out = os.pipe()
    harness_in, worker_out = os.pipe()
    worker = os.fork()
    if worker == 0:
        try:
            for fd in (channel, harness_out, harness_in):
                os.close(fd)
            with contextlib.suppress(OSError):  # the sandbox's done fd, where there is one
                os.close(DONE_FD)
            head = json.loads(payload[:cut])
            _seal(payload)
            serve(Link(worker_in, worker_out), head)
        finally:
            os._exit(0)
    os.close(worker_in)
    os.close(worker_out)
    return worker, Link(harness_in, harness_out)


def run(payload: bytes, channel: int) -> None:
    """Fork the candidate's worker, run each test here through proxies, report each result."""
    ctypes.CDLL(None).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    write = os.write
    cut = payload.index(b"\n")
    worker, link = _start_worker(payload, cut, channel)
    head = json.loads(payload[:cut])
    tests = json.loads(payload[cut + 1 :])

    def send(message: dict[str, Any]) -> None:
        write(channel, (json.dumps(message) + "\n").encode())

    try:
        hello = link.recv()
    except WorkerGone as exc:
        send({"t": "load_error", "error": f"the candidate exited while loading ({exc})"})
        return
    if hello.get("t") != "loaded":
        send({"t": "load_error", "error": str(hello.get("error", "failed to load"))[:1000]})
        return
    entry = str(head.get("entry_point") or "")
    try:
        ns = _namespace(hello, link, entry)
    except (ValueError, TypeError, ImportError) as exc:
        send({"t": "load_error", "error": f"unusable names from the candidate ({exc})"})
        return
    if entry and entry not in ns:
        send({"t": "load_error", "error": f"the code defines no function named {entry!r}"})
        return
    if head.get("setup"):
        try:
            exec(head["setup"], ns)
        except BaseException as exc:
            send({"t": "load_error", "error": f"the tests' setup failed: {describe(exc)}"})
            return
    send({"t": "loaded"})
    for index, test in enumerate(tests):
        try:
            outcome = _evaluate(test, ns, link)
        except WorkerGone as exc:
            send({"t": "gone", "i": index, "error": str(exc), **_ended(worker)})
            return
        send({"t": "test", "i": index, **outcome})
    left, patched = _leftovers(link, worker)
    send({"t": "done", "leftovers": left, "patched": patched})


def _ended(worker: int) -> dict[str, Any]:
    """How the candidate's worker ended: its signal and CPU time, so the verifier can tell a
    worker its CPU limit killed (a timeout) from one that crashed."""
    try:
        _, status, usage = os.wait4(worker, 0)
    except ChildProcessError:
        return {}
    signal = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
    return {"signal": signal, "cpu_s": usage.ru_utime + usage.ru_stime}


def _leftovers(link: Link, worker: int) -> tuple[list[str], list[str]]:
    """Threads and processes the candidate left running (it must clean up after itself), and
    the builtins its process says it patched (a hint only: that process may lie)."""
    found = []
    try:
        link.send({"threads": True})
        report = decode(link.recv().get("value", ["none", None]))
        threads, patched = int(report["threads"]), [str(p) for p in report["patched"]]
    except (WorkerGone, ValueError, TypeError, KeyError):
        threads, patched = 0, []
    if threads:
        found.append(f"{threads} thread(s)")
    others = _own_processes() - {os.getpid(), worker}
    if others:
        found.append(f"{len(others)} process(es)")
    return found, patched


def _own_processes() -> set[int]:
    """Live processes of this check's uid: the sandbox runs each check under a uid of its own
    in a PID namespace of its own, so these are the harness, the worker and what they started."""
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
