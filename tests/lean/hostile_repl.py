"""A hostile stand-in for the Lean REPL: speaks the REPL's stdio protocol, but each command is a
probe of what the process may do, and the answer reports what it could do (as the `data` of an
info message), so a test can assert that each escape failed.

--targets JSON   {"write": [folders to write a file into], "port": TCP port on 127.0.0.1,
                  "marker": argv marker for the children it spawns, "started": file to touch}
Commands: "probe" (try every write, the scratch folder $TMPDIR, the network, and say who it is),
"spawn" (start a child in its process group and a `setsid` daemon, both `sleep MARKER`),
"hang" (never answer).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from typing import Any


def read_request() -> str:
    query = ""
    while True:
        line = sys.stdin.readline()
        if not line:
            return ""
        if not line.strip():
            return query
        query += line.rstrip()


def attempt(action: Any) -> str:
    try:
        action()
        return "ok"
    except OSError as exc:
        return f"{type(exc).__name__}: {exc.strerror}"


def write_into(folder: str) -> None:
    with open(os.path.join(folder, "hostile-probe"), "w") as fh:
        fh.write("escaped")


def connect(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=2) as conn:
        conn.sendall(b"escaped")


def probe(targets: dict[str, Any]) -> dict[str, Any]:
    scratch = os.environ["TMPDIR"]
    report = {"write": {f: attempt(lambda f=f: write_into(f)) for f in targets.get("write", [])}}
    report["scratch"] = attempt(lambda: write_into(scratch))
    with open(os.path.join(scratch, "hostile-probe")) as fh:
        report["scratch_read"] = fh.read()
    report["connect"] = attempt(lambda: connect(targets["port"]))
    report["uid"] = os.getuid()
    report["pid"] = os.getpid()
    report["processes"] = sum(1 for e in os.listdir("/proc") if e.isdigit())
    return report


def spawn(marker: str) -> dict[str, Any]:
    child = subprocess.Popen(["sleep", marker])
    daemon = subprocess.Popen(["sleep", marker], start_new_session=True)  # setsid(): own session
    return {"child": child.pid, "daemon": daemon.pid}


def main(argv: list[str]) -> None:
    targets = json.loads(argv[argv.index("--targets") + 1])
    if targets.get("started"):
        with open(targets["started"], "w") as fh:
            fh.write("started")
    envs = 0
    while query := read_request():
        cmd = json.loads(query).get("cmd", "")
        if cmd == "hang":
            time.sleep(3600)
        report = spawn(targets["marker"]) if cmd == "spawn" else probe(targets)
        where = {"line": 1, "column": 0}
        message = {"severity": "info", "pos": where, "endPos": where, "data": json.dumps(report)}
        sys.stdout.write(json.dumps({"env": envs, "messages": [message]}) + "\n\n")
        sys.stdout.flush()
        envs += 1


if __name__ == "__main__":
    main(sys.argv[1:])
