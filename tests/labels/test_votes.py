"""Majority votes on recorded outputs group them as the checker compares them: float noise the
checker passes votes together, differences it fails vote apart, for stdin/stdout and function
tasks alike."""

from __future__ import annotations

import json

from assay.flows.domains.code import labels as lb
from assay.flows.select.strategies import majority
from assay.schemas.records import Status, Task, Verdict
from assay.verifiers.python.plaindata import encode

FUNC = Task("code", "test", "f", "def f(x): ...", "f")


def stdio(checker: str) -> Task:
    return Task(
        "code", "test", "s", "Print it.", "main", meta={"kind": "stdio", "checker": checker}
    )


def records(outputs: dict[str, list]) -> dict[str, Verdict]:
    return {
        cid: Verdict(cid, "python-outputs", Status.NOT_VERIFIED, evidence={"outputs": outs})
        for cid, outs in outputs.items()
    }


def values(*vs) -> list:
    return [None if v is None else json.dumps(encode(v)) for v in vs]


def winner(task: Task, outputs: dict[str, list]) -> str:
    """The solution majority selection ranks first on these recorded outputs."""
    ids = list(outputs)
    votes = lb.signatures(task, ids, records(outputs))
    return ids[majority([[True]] * len(ids), votes, keys=ids)[0].index]


def test_float_noise_votes_with_the_right_answer_in_function_tasks() -> None:
    right = [0.1 + 0.2, 0.3, 0.29999999999999993]  # the same answer summed three ways
    outputs = {f"r{k}": values(x, [x, {"k": (x, 1)}]) for k, x in enumerate(right)}
    outputs |= {f"w{k}": values(0.5, [0.5, {"k": (0.5, 1)}]) for k in range(2)}
    assert winner(FUNC, outputs).startswith("r")  # 3 right beat 2 wrong, not 1 + 1 + 1
    votes = lb.signatures(FUNC, list(outputs), records(outputs))
    assert len(set(votes)) == 2


def test_float_noise_votes_with_the_right_answer_in_stdio_tasks() -> None:
    outputs = {"r0": ["0.30000000000000004\n"], "r1": ["0.3\n"], "r2": ["0.29999999999999993"]}
    outputs |= {"w0": ["0.5\n"], "w1": ["0.5\n"]}
    assert winner(stdio("floats"), outputs).startswith("r")
    assert winner(stdio("tokens"), outputs).startswith("w")  # `tokens` fails 0.3 for 0.1 + 0.2


def test_votes_group_exactly_as_the_checker_compares() -> None:
    spaced = {"a": ["1 2\n"], "b": ["1  2"]}
    assert len(set(lb.signatures(stdio("tokens"), ["a", "b"], records(spaced)))) == 1
    assert len(set(lb.signatures(stdio("exact"), ["a", "b"], records(spaced)))) == 2
    typed = {"a": values([1, 2]), "b": values((1, 2)), "c": values([1.0, 2])}
    a, b, c = lb.signatures(FUNC, ["a", "b", "c"], records(typed))
    assert a == c != b  # a list is not a tuple; 1.0 == 1 as the value check has it


def test_votes_do_not_depend_on_arrival_order_and_keep_who_did_not_run() -> None:
    outputs = {"b": values(0.3, 1), "a": values(0.1 + 0.2, 1), "c": values(0.3), "d": [None]}
    ids = list(outputs)
    votes = lb.signatures(FUNC, ids, records(outputs))
    assert votes == [(0, 0), (0, 0), (0,), (None,)]
    assert lb.signatures(FUNC, ids[::-1], records(outputs)) == votes[::-1]
    assert lb.signatures(FUNC, ["a", "x"], records(outputs)) == [(0, 0), ()]
