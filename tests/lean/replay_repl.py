"""A stand-in for the Lean REPL (no Lean toolchain can be installed here): speaks the same stdio
protocol and replays the real REPL's recorded answers from its own test transcripts.

--sequence A.in B.in ...   expect exactly those files' commands, in order; answer each with the
                           recorded text of the matching `.expected.out` (exit 3 on mismatch)
--transcripts DIR          answer a `cmd` seen in DIR's transcripts with its recorded answer,
                           `env` renumbered for this process (as the REPL numbers per process)
--script JSON              rules tried first: [{"match": substring, "response": {...}} |
                           {"match": s, "hang": true} | {"match": s, "crash": true} |
                           {"match": s, "grow_mb": N, "response": {...}}]
--log FILE                 append "process<TAB>request" per request (tests read routing from it;
                           `process` is a random name per process: in its PID namespace every
                           REPL is pid 1)
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path

UNKNOWN_ENV = {"message": "Unknown environment."}  # the REPL's own text (unknown_environment)


def blocks(text: str) -> list[str]:
    """Blank-line separated blocks, each joined as the REPL's getLines joins lines."""
    out, cur = [], ""
    for line in text.split("\n"):
        if line.strip():
            cur += line.rstrip()
        elif cur:
            out.append(cur)
            cur = ""
    if cur:
        out.append(cur)
    return [b for b in out if not b.startswith(("#", "--"))]


def raw_blocks(text: str) -> list[str]:
    return [b for b in re.split(r"\n\s*\n", text) if b.strip()]


def read_request() -> str:
    query = ""
    while True:
        line = sys.stdin.readline()
        if not line.strip():
            return query
        query += line.rstrip()


def reply(obj_or_text: object) -> None:
    text = obj_or_text if isinstance(obj_or_text, str) else json.dumps(obj_or_text, indent=1)
    sys.stdout.write(text.rstrip("\n") + "\n\n")
    sys.stdout.flush()


def main(argv: list[str]) -> None:
    args: dict[str, list[str]] = {}
    key = ""
    for a in argv:
        if a.startswith("--"):
            key = a[2:]
            args.setdefault(key, [])
        else:
            args[key].append(a)
    expected: list[tuple[dict, str]] = []
    for path in args.get("sequence", []):
        ins = blocks(Path(path).read_text())
        outs = raw_blocks(Path(path[: -len(".in")] + ".expected.out").read_text())
        expected += [(json.loads(i), o) for i, o in zip(ins, outs, strict=True)]
    recorded: dict[str, dict] = {}
    for folder in args.get("transcripts", []):
        for path in sorted(Path(folder).glob("*.in")):
            out = path.with_suffix(".expected.out")
            if out.exists():
                pairs = zip(blocks(path.read_text()), raw_blocks(out.read_text()), strict=False)
                for i, o in pairs:
                    recorded.setdefault(json.loads(i).get("cmd", "\0"), json.loads(o))
    rules = json.loads(args["script"][0]) if args.get("script") else []
    log = args.get("log", [None])[0]
    process = os.urandom(6).hex()
    envs, ballast = 0, []
    while True:
        query = read_request()
        if not query:
            return
        request = json.loads(query)
        if log:
            with open(log, "a") as fh:
                fh.write(f"{process}\t{json.dumps(request)}\n")
        if expected:
            want, answer = expected.pop(0)
            if want != request:
                sys.stderr.write(f"expected {want!r}, got {request!r}\n")
                sys.exit(3)
            reply(answer)
            continue
        if request.get("env") is not None and request["env"] >= envs:
            reply(UNKNOWN_ENV)
            continue
        cmd = request.get("cmd", "")
        rule = next((r for r in rules if r["match"] in cmd), None)
        if rule and rule.get("hang"):
            time.sleep(3600)
        if rule and rule.get("crash"):
            sys.stderr.write("INTERNAL PANIC: out of memory\n")
            os._exit(134)
        if rule and rule.get("grow_mb"):
            ballast.append(bytearray(os.urandom(1)) * (rule["grow_mb"] << 20))
        answer = dict(rule["response"]) if rule else recorded.get(cmd)
        if answer is None:
            answer = {"message": f"stand-in: no recorded answer for {cmd[:80]!r}"}
        if "env" in answer:
            answer["env"], envs = envs, envs + 1
        reply(answer)


if __name__ == "__main__":
    main(sys.argv[1:])
