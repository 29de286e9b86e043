"""Code roles: requests say what the model needs; extraction reads messy completions right.

The completions below imitate what small instruct models really return: prose around code,
several fences, drafts, usage examples, body-only answers, numbered lists, cut-off output.
"""

from __future__ import annotations

import ast

import pytest

from assay.flows.roles import RoleSpec, UnknownRoleError, get_role, known_roles, register
from assay.flows.roles.asserts import extract_tests
from assay.flows.roles.fences import fenced_blocks
from assay.flows.roles.pyextract import extract_code
from assay.schemas.records import Outcome, Status, Task, Verdict
from assay.workers.api import Request, Sampling

CLAMP = Task(
    domain="code",
    source="test",
    name="clamp",
    prompt=(
        "def clamp(value: int, low: int, high: int) -> int:\n"
        '    """Return value limited to the closed range [low, high]."""\n'
    ),
    entry_point="clamp",
)
TYPED = Task(
    domain="code",
    source="test",
    name="total",
    prompt='from typing import List\n\n\ndef total(xs: List[int]) -> int:\n    """Sum xs."""\n',
    entry_point="total",
)
STDIO = Task("code", "test", "echo", "Print the input.", meta={"kind": "stdio"})
SOLVED = "def clamp(value, low, high):\n    return max(low, min(high, value))\n"


def _defs(code: str) -> list[str]:
    return [n.name for n in ast.parse(code).body if isinstance(n, ast.FunctionDef)]


# ---- solver / repairer extraction ------------------------------------------------------------


def test_takes_the_last_block_that_defines_the_entry_point() -> None:
    text = (
        "First try:\n```python\ndef clamp(value, low, high):\n    return value\n```\n"
        "Wait, that ignores the range. Better:\n\n```python\n" + SOLVED + "```\n"
        "Example:\n```python\nprint(clamp(5, 0, 3))\n```\nThis prints 3."
    )
    assert extract_code(text, CLAMP) == SOLVED


def test_other_language_fences_do_not_shift_the_blocks() -> None:
    text = "Install nothing:\n```bash\npip --version\n```\nThen:\n```python\n" + SOLVED + "```"
    assert [b.lang for b in fenced_blocks(text)] == ["bash", "python"]
    assert extract_code(text, CLAMP) == SOLVED


def test_keeps_imports_and_helpers_drops_usage_and_main() -> None:
    text = (
        "```py\nimport math\n\nLIMIT = 10\n\n\ndef _helper(x):\n    # keep me\n    return x\n\n\n"
        "@staticmethod_like\ndef clamp(value, low, high):\n"
        "    return _helper(max(low, min(high, value)))\n\n\n"
        "print(clamp(1, 2, 3))\nresult = clamp(0, 1, 2)\nassert clamp(5, 0, 1) == 99\n"
        "if __name__ == '__main__':\n    n = int(input())\n```"
    )
    code = extract_code(text, CLAMP)
    assert code is not None
    assert code.startswith("import math\n\nLIMIT = 10\n")
    assert "# keep me" in code and "@staticmethod_like" in code
    for gone in ("print(", "result =", "assert", "__main__", "input("):
        assert gone not in code
    assert _defs(code) == ["_helper", "clamp"]


def test_no_fence_whole_text_and_prose_around_code() -> None:
    assert extract_code(SOLVED, CLAMP) == SOLVED
    prose = "Sure! Here is the function:\n\n" + SOLVED + "\nThis uses min and max."
    assert extract_code(prose, CLAMP) == SOLVED


def test_body_only_answer_gets_the_prompt_signature() -> None:
    for body in ("    return max(low, min(high, value))", "return max(low, min(high, value))"):
        code = extract_code(f"```python\n{body}\n```", CLAMP)
        assert code == CLAMP.prompt + "    return max(low, min(high, value))\n"
    nested_only = "```python\ndef helper(v):\n    return v\n```"
    assert extract_code(nested_only, CLAMP) is None


def test_body_is_only_tried_when_no_block_defines_the_function() -> None:
    text = "```python\n" + SOLVED + "```\nUsage:\n```python\nreturn_value = clamp(9, 0, 5)\n```"
    assert extract_code(text, CLAMP) == SOLVED


def test_prompt_imports_are_restored() -> None:
    text = "```python\ndef total(xs: List[int]) -> int:\n    return sum(xs)\n```"
    assert extract_code(text, TYPED) == (
        "from typing import List\n\n\ndef total(xs: List[int]) -> int:\n    return sum(xs)\n"
    )


@pytest.mark.parametrize(
    "text",
    [
        "",
        "I cannot help with that.",
        "```python\ndef clamp(value, low, high)\n    return value\n```",  # syntax error
        "```python\ndef clip(value, low, high):\n    return value\n```",  # wrong name
        "```text\ndef clamp(v, l, h): return v\n```",  # not python
        "```python\n\n```",
    ],
)
def test_nothing_usable_gives_none(text: str) -> None:
    assert extract_code(text, CLAMP) is None


# Nesting deep enough to exhaust the parser: RecursionError, MemoryError, "too many nested"
DEEP = ["value" + " + 1" * 100_000, "-" * 100_000 + "value", "(" * 300 + "value" + ")" * 300]


@pytest.mark.parametrize("expr", DEEP, ids=["sum", "unary", "parens"])
def test_a_completion_nested_past_the_parser_is_unusable_not_a_crash(expr: str) -> None:
    solution = f"```python\ndef clamp(value, low, high):\n    return {expr}\n```"
    assert extract_code(solution, CLAMP) is None
    assert extract_code(f"    return {expr}\n", CLAMP) is None  # a body alone, unfenced
    tests = f"```python\nassert clamp(1, 0, 2) == 1\nassert clamp({expr}, 0, 2) == 2\n```"
    assert extract_tests(tests, CLAMP) == ["assert clamp(1, 0, 2) == 1"]
    program = f"```python\nprint({expr})\n```"
    assert get_role("code", "solver").extract(program, STDIO) is None


def test_truncated_block_still_counts_when_it_parses() -> None:
    text = "Here:\n```python\n" + SOLVED  # cut at max_tokens before the closing fence
    assert [b.closed for b in fenced_blocks(text)] == [False]
    assert extract_code(text, CLAMP) == SOLVED


def test_repairer_uses_the_solver_extraction() -> None:
    assert get_role("code", "repairer").extract is get_role("code", "solver").extract


# ---- tester extraction -----------------------------------------------------------------------


def test_tests_mixed_with_prints_comments_and_loops() -> None:
    text = (
        "Here are some tests:\n```python\n# basic\nassert clamp(5, 0, 10) == 5\n"
        "print(clamp(5, 0, 10))\nassert clamp(-1, 0, 10) == 0  # below\n"
        "assert   clamp(-1,0,10)==0\n"  # same test, other spacing
        "for v in range(3):\n    assert clamp(v, 0, 5) == v\n"  # needs the loop variable
        "def test_high():\n    assert clamp(99, 0, 10) == 10\n    r = clamp(1, 0, 1)\n"
        "    assert r == 1\n"  # needs a local
        "assert clamp(3, 3, 3) == clamp(3, 3, 3)\n"  # trivially true
        "assert max(1, 2) == 2\n"  # does not test the function
        "assert [clamp(x, 0, 1) for x in (5, -5)] == [1, 0]\n```"
    )
    assert extract_tests(text, CLAMP) == [
        "assert clamp(5, 0, 10) == 5",
        "assert clamp(-1, 0, 10) == 0",
        "assert clamp(99, 0, 10) == 10",
        "assert [clamp(x, 0, 1) for x in (5, -5)] == [1, 0]",
    ]


def test_block_with_a_syntax_error_is_read_line_by_line() -> None:
    text = "```python\nassert clamp(1, 0, 2) == 1\nassert clamp(7, 0, 2) == \nassert clamp(\n```"
    assert extract_tests(text, CLAMP) == ["assert clamp(1, 0, 2) == 1"]


def test_prose_list_when_there_is_no_usable_block() -> None:
    text = (
        "Tests:\n1. `assert clamp(2, 0, 1) == 1`\n2. assert clamp(0, 0, 1) == 0\n"
        "- assert clamp(-4, -5, 5) == -4\nThese cover the edges.\n```python\nprint('hi')\n```"
    )
    assert extract_tests(text, CLAMP) == [
        "assert clamp(2, 0, 1) == 1",
        "assert clamp(0, 0, 1) == 0",
        "assert clamp(-4, -5, 5) == -4",
    ]


def test_cap_order_and_names_from_the_prompt() -> None:
    many = "\n".join(f"assert clamp({i}, 0, 3) == {min(i, 3)}" for i in range(12))
    assert extract_tests(many, CLAMP, limit=3) == [
        "assert clamp(0, 0, 3) == 0",
        "assert clamp(1, 0, 3) == 1",
        "assert clamp(2, 0, 3) == 2",
    ]
    assert len(extract_tests(many, CLAMP)) == 8
    with pytest.raises(ValueError, match="limit"):
        extract_tests(many, CLAMP, limit=0)
    typed = "assert total(List([1, 2])) == 3\nassert total(numpy.array([1])) == 1"
    assert extract_tests(typed, TYPED) == ["assert total(List([1, 2])) == 3"]
    assert extract_tests("no tests here", CLAMP) == []


# ---- requests --------------------------------------------------------------------------------


def _user(request: Request) -> str:
    roles = [m["role"] for m in request.messages]
    assert roles == ["system", "user"]
    return request.messages[1]["content"]


def test_solver_and_tester_requests_carry_the_task() -> None:
    sampling = Sampling(n=3, temperature=0.2)
    solver = get_role("code", "solver").build(CLAMP, sampling, key="k1")
    assert (solver.key, solver.sampling) == ("k1", sampling)
    assert CLAMP.prompt.strip() in _user(solver) and "```python" in _user(solver)
    tester = get_role("code", "tester").build(CLAMP, sampling, key="k2", count=5)
    text = _user(tester)
    assert CLAMP.prompt.strip() in text and "5 unit tests" in text and "assert clamp(" in text
    with pytest.raises(ValueError, match="count"):
        get_role("code", "tester").build(CLAMP, sampling, key="k", count=0)


def test_repair_request_shows_the_failure_evidence() -> None:
    tests = ["assert clamp(5, 0, 10) == 5", "assert clamp(42, 0, 10) == 10"]
    verdict = Verdict(
        candidate_id="c1",
        verifier="python",
        status=Status.FAIL,
        tests_passed=1,
        tests_total=2,
        outcomes=(Outcome("t0", Status.PASS), Outcome("t1", Status.FAIL, "assertion failed")),
        stderr_tail="Traceback (most recent call last):\nAssertionError",
    )
    failing = "def clamp(value, low, high):\n    return value\n"
    spec = get_role("code", "repairer")
    request = spec.build(CLAMP, Sampling(), key="r", failing=failing, verdict=verdict, tests=tests)
    text = _user(request)
    assert CLAMP.prompt.strip() in text and failing.strip() in text
    assert "1 of 2 tests passed" in text
    assert "Failed test: assert clamp(42, 0, 10) == 10" in text and "expected: 10" in text
    assert "assertion failed" in text and "AssertionError" in text
    assert "clamp(5, 0, 10) == 5" not in text  # passing tests are not noise for the model
    # Without the texts the outcome names stand in; a verifier's own "expected" is not repeated.
    told = Verdict(
        "c1", "python", Status.FAIL, 0, 1, (Outcome(tests[1], Status.FAIL, "expected 10, got 42"),)
    )
    text = _user(spec.build(CLAMP, Sampling(), key="r", failing=failing, verdict=told))
    assert "Failed test: assert clamp(42, 0, 10) == 10\n  result: expected 10, got 42" in text
    by_id = Verdict("c1", "python", Status.FAIL, 0, 1, (Outcome("9f2c", Status.FAIL, "boom"),))
    text = _user(spec.build(CLAMP, Sampling(), key="r", failing=failing, verdict=by_id))
    assert "A test failed:\n  result: boom" in text and "9f2c" not in text
    timeout = Verdict("c1", "python", Status.TIMEOUT)
    assert "runs too long" in _user(spec.build(CLAMP, Sampling(), "r", failing, timeout))
    with pytest.raises(ValueError, match="failing="):
        spec.build(CLAMP, Sampling(), key="r", verdict=verdict)


# ---- registry --------------------------------------------------------------------------------


def test_unknown_role_lists_the_valid_ones() -> None:
    with pytest.raises(UnknownRoleError) as err:
        get_role("code", "poet")
    message = str(err.value)
    for known in ("code/repairer", "code/solver", "code/tester"):
        assert known in message and known in known_roles()
    assert "verilog/solver" in known_roles()
    with pytest.raises(UnknownRoleError, match="domain 'hdl'"):
        get_role("hdl", "solver")


def test_duplicate_registration_is_refused() -> None:
    solver = get_role("code", "solver")
    with pytest.raises(ValueError, match="already registered"):
        register(RoleSpec("code", "solver", solver.build, solver.extract))
    with pytest.raises(ValueError, match="domain and a name"):
        RoleSpec("", "solver", solver.build, solver.extract)


def test_an_echoed_prompt_is_not_a_solution() -> None:
    echo = f"```python\nfrom typing import *\n\n{CLAMP.prompt}```"
    assert extract_code(echo, CLAMP) is None
    stub = f"```python\n{CLAMP.prompt}    pass\n```"
    assert extract_code(stub, CLAMP) is None


@pytest.mark.parametrize(
    ("domain", "what"), [("code", "solution"), ("verilog", "design"), ("proofs", "proof")]
)
def test_every_repairer_refuses_a_request_with_nothing_to_repair(domain: str, what: str) -> None:
    """The repairers share one builder (`roles.repair.repairer`): same arguments, same refusal."""
    task = Task(domain, "seed", "t", "Spec.")
    with pytest.raises(ValueError, match=f"pass the failing {what} as failing="):
        get_role(domain, "repairer").build(task, Sampling(), key="r", failing=" \n ")
