"""Labels by agreement, from recorded outputs: the share and count thresholds, who counts as
having run, the task's own comparison, and the pool tests labels become."""

from __future__ import annotations

import json

from assay.flows.config_sections import LabelsConfig
from assay.flows.domains.code import labels as lb
from assay.schemas.records import Status, Task, Verdict
from assay.verifiers.python.check import parse_test
from assay.verifiers.python.plaindata import encode
from assay.verifiers.python.stdio import decode_test

FUNC = Task("code", "test", "f", "def f(x): ...", "f")
STDIO = Task("code", "test", "s", "Print it.", "main", meta={"kind": "stdio", "checker": "tokens"})
FLOATS = Task("code", "test", "m", "Print it.", "main", meta={"kind": "stdio", "checker": "floats"})


def record(cid: str, outputs: list) -> Verdict:
    return Verdict(cid, "python-outputs", Status.NOT_VERIFIED, evidence={"outputs": outputs})


def values(*vs) -> list:
    return [None if v is None else json.dumps(encode(v)) for v in vs]


def test_an_output_is_labelled_only_at_the_share_and_count() -> None:
    cfg = LabelsConfig(share=0.6, min_agree=2)
    inputs = ["(1,)", "(2,)", "(3,)"]
    records = [
        record("a", values(1, 4, 9)),
        record("b", values(1, 4, 8)),
        record("c", values(1, 5, 7)),
        record("d", values(2, 4, 6)),
        record("e", values(1, None, 5)),  # crashed on input 1: it ran, and disagrees
    ]
    labels = lb.label(FUNC, inputs, records, cfg)
    assert [(x.input, x.agree, x.ran) for x in labels] == [("(1,)", 4, 5), ("(2,)", 3, 5)]
    assert labels[0].share == 0.8
    assert lb.label(FUNC, inputs, records, LabelsConfig(share=0.8)) == labels[:1]
    assert lb.label(FUNC, inputs, records[:1], cfg) == []  # one solution alone labels nothing


def test_solutions_that_disagree_label_nothing() -> None:
    records = [record(c, values(k)) for k, c in enumerate("abcd")]
    assert lb.label(FUNC, ["(0,)"], records, LabelsConfig()) == []


def test_a_solution_cut_short_does_not_count_on_inputs_it_never_reached() -> None:
    records = [record("a", values(1, 2)), record("b", values(1, 2)), record("c", values(1))]
    labels = lb.label(FUNC, ["(1,)", "(2,)"], records, LabelsConfig(share=1.0))
    assert [(x.agree, x.ran) for x in labels] == [(3, 3), (2, 2)]


def test_outputs_compare_as_the_task_compares_them() -> None:
    cfg = LabelsConfig(share=1.0)
    near = [record("a", values(0.1 + 0.2)), record("b", values(0.3))]
    assert [x.agree for x in lb.label(FUNC, ["(0,)"], near, cfg)] == [2]
    spaced = [record("a", ["1 2\n"]), record("b", ["1  2"])]
    assert [x.agree for x in lb.label(STDIO, ["x\n"], spaced, cfg)] == [2]
    floats = [record("a", ["0.3333333\n"]), record("b", ["0.33333333\n"])]
    assert lb.label(STDIO, ["x\n"], floats, cfg) == []
    assert [x.agree for x in lb.label(FLOATS, ["x\n"], floats, cfg)] == [2]


def test_labels_become_tests_the_verifiers_read() -> None:
    lab = lb.Label("([1, 2], 'a')", json.dumps(encode({"k": (1, 2.5)})), 3, 4)
    text = lb.test_text(FUNC, lab)
    assert text == "assert f([1, 2], 'a') == {'k': (1, 2.5)}  # agreement 3/4"
    parsed = parse_test(text)
    assert parsed.kind == "value" and parsed.expected == {"k": (1, 2.5)}
    assert lb.test_text(FUNC, lb.Label("()", json.dumps(encode(float("nan"))), 2, 2)) is None
    io = lb.test_text(STDIO, lb.Label("1 2\n", "3\n", 2, 3))
    assert decode_test(io).stdout == "3\n" and json.loads(io)["agreement"] == "2/3"


def test_scales_are_log_uniform_in_range_and_reproducible() -> None:
    cfg = LabelsConfig(inputs=200, max_scale=1000)
    drawn = lb.scales(cfg, "g1")
    assert drawn == lb.scales(cfg, "g1") != lb.scales(cfg, "g2")
    assert min(drawn) >= 1 and max(drawn) <= 1000
    assert 0.2 < sum(s <= 31 for s in drawn) / len(drawn) < 0.8  # about half below √1000


def test_kept_inputs_come_from_passing_generator_checks_only() -> None:
    good = Verdict("g2", "python-inputs", Status.PASS, evidence={"inputs": ["1\n", "2\n"]})
    other = Verdict("g1", "python-inputs", Status.PASS, evidence={"inputs": ["2\n"]})
    bad = Verdict("g3", "python-inputs", Status.FAIL, evidence={"inputs": ["9\n"]})
    assert lb.kept_inputs([good, bad, other]) == {"2\n": ("g1", "g2"), "1\n": ("g2",)}
    assert lb.inputs_key(["1\n"]) == lb.inputs_key(["1\n"]) != lb.inputs_key(["2\n"])
