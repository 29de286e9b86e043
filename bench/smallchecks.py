"""The workload of `bench/sandbox.py`: small HumanEval-style checks and the trusted entry that
runs one. The sandbox's zygote imports this module, so it holds only what a check needs."""

from __future__ import annotations

import json
import os

TEMPLATE = """
def add_{i}(a, b):
    return a + b + {i}
"""
TESTS = ["add_{i}(1, 2) == 3 + {i}", "add_{i}(-1, 1) == {i}", "add_{i}(0, 0) == {i}"]


def workload(n: int) -> list[dict[str, object]]:
    """`n` distinct small candidates, each with three assert tests."""
    return [
        {"code": TEMPLATE.format(i=i), "tests": [t.format(i=i) for t in TESTS]} for i in range(n)
    ]


def entry(payload: bytes, channel: int) -> None:
    """The trusted entry the sandbox calls: run the candidate, then each test, report a line."""
    job = json.loads(payload)
    namespace: dict[str, object] = {}
    exec(job["code"], namespace)
    passed = [bool(eval(test, namespace)) for test in job["tests"]]
    os.write(channel, json.dumps(passed).encode())
