"""Input-generator programs in the real sandbox: kept inputs are valid, distinct and of the right
kind; generators that hang, flood, write files or reach for the network are contained."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from assay.schemas.records import Status
from assay.verifiers.python.inputs import generate_inputs
from assay.verifiers.registry import get
from assay.verifiers.sandbox import Limits, ZygoteSandbox, open_sandbox

LIMITS = Limits(wall_s=5, cpu_s=5, memory_mb=512)
QUICK = Limits(wall_s=2, cpu_s=2, memory_mb=256)


@pytest.fixture(scope="module")
def box() -> Iterator[ZygoteSandbox]:
    with open_sandbox() as sandbox:
        yield sandbox


def test_the_validator_drops_invalid_inputs_and_duplicates_go(box: ZygoteSandbox) -> None:
    code = (
        "def generate_test_input(scale):\n"
        "    return f'{scale} {-scale if scale % 2 else scale}'\n"  # odd scales: negative: invalid
        "def validate_test_input(text):\n"
        "    a, b = map(int, text.split())\n"
        "    return a > 0 and b > 0\n"
    )
    v = generate_inputs("g", code, "stdio", [1, 2, 3, 4, 4, 8], box, LIMITS)
    assert v.status is Status.PASS
    assert v.evidence["inputs"] == ["2 2\n", "4 4\n", "8 8\n"]
    details = sorted(o.detail for o in v.outcomes if o.status is Status.FAIL)
    assert details == ["duplicate input"] + ["the validator refused it"] * 2
    assert v.tests_passed == 3 and v.tests_total == 6


def test_function_inputs_are_argument_tuples_of_plain_data(box: ZygoteSandbox) -> None:
    code = (
        "import random\n"
        "class Odd:\n    pass\n"
        "def generate_test_input(scale):\n"
        "    if scale == 3:\n        return Odd()\n"  # not plain data: dropped
        "    if scale == 5:\n        return 'text'\n"  # not a tuple: dropped
        "    return ([random.randint(0, 9) for _ in range(scale)], scale)\n"
        "def validate_test_input(xs, n):\n"
        "    return len(xs) == n\n"
    )
    v = generate_inputs("g", code, "function", [1, 2, 3, 5, 7], box, LIMITS)
    assert [eval(t)[1] for t in v.evidence["inputs"]] == [1, 2, 7]
    again = generate_inputs("g", code, "function", [1, 2, 3, 5, 7], box, LIMITS)
    assert again.evidence["inputs"] == v.evidence["inputs"]  # seeded per call: reproducible


def test_a_one_parameter_argument_given_bare_is_wrapped(box: ZygoteSandbox) -> None:
    code = (
        "def generate_test_input(scale):\n"
        "    return [scale] * scale if scale < 3 else ([scale],)\n"
        "def validate_test_input(xs):\n"  # the validator takes the function's own parameters
        "    return isinstance(xs, list) and len(xs) < 3\n"
    )
    v = generate_inputs("g", code, "function", [1, 2, 3], box, LIMITS, arity=1)
    assert v.evidence["inputs"] == ["([1],)", "([2, 2],)", "([3],)"]


def test_a_call_with_the_wrong_number_of_arguments_is_dropped(box: ZygoteSandbox) -> None:
    code = (
        "def generate_test_input(scale):\n"
        "    return (scale, scale) if scale % 2 else (scale, scale, scale)\n"
        "def validate_test_input(a, b):\n    return True\n"
    )
    v = generate_inputs("g", code, "function", [1, 2, 3], box, LIMITS, arity=2)
    assert v.evidence["inputs"] == ["(1, 1)", "(3, 3)"]
    assert v.outcomes[1].detail == "3 arguments for 2 parameters"


def test_the_validator_sees_the_text_the_generator_returned(box: ZygoteSandbox) -> None:
    code = (
        "def generate_test_input(scale):\n    return f'{scale}\\n{scale}'\n"
        "def validate_test_input(text):\n"  # a strict line count: no trailing newline added
        "    return len(text.split('\\n')) == 2\n"
    )
    v = generate_inputs("g", code, "stdio", [1, 2], box, LIMITS)
    assert v.evidence["inputs"] == ["1\n1\n", "2\n2\n"]  # the test's stdin ends its last line


def test_a_generator_that_hangs_keeps_what_it_made_before(box: ZygoteSandbox) -> None:
    code = (
        "def generate_test_input(scale):\n"
        "    while scale > 4:\n        pass\n"
        "    return str(scale)\n"
        "def validate_test_input(text):\n    return True\n"
    )
    v = generate_inputs("g", code, "stdio", [9, 1, 2, 50], box, QUICK)
    assert v.status is Status.PASS and v.evidence["inputs"] == ["1\n", "2\n"]
    assert [o.status for o in v.outcomes][2:] == [Status.TIMEOUT] * 2


def test_a_validator_that_hangs_keeps_nothing(box: ZygoteSandbox) -> None:
    code = (
        "def generate_test_input(scale):\n    return str(scale)\n"
        "def validate_test_input(text):\n    while True:\n        pass\n"
    )
    v = generate_inputs("g", code, "stdio", [1, 2], box, QUICK)
    assert v.status is Status.FAIL and v.evidence["inputs"] == []


@pytest.mark.parametrize(
    "body",
    [
        "    return 'x' * (1 << 34)\n",  # more memory than the limit
        "    return 'x' * (1 << 20)\n",  # fits in memory, too large for a test
        "    print('y' * (1 << 24))\n    return 'x' * (1 << 20)\n",  # floods stdout as well
    ],
)
def test_a_flooding_generator_gives_no_input(box: ZygoteSandbox, body: str) -> None:
    code = (
        "def generate_test_input(scale):\n"
        "    if scale == 1:\n        return '1'\n"
        f"{body}"
        "def validate_test_input(text):\n    return True\n"
    )
    v = generate_inputs("g", code, "stdio", [1, 2], box, QUICK, max_bytes=4096)
    assert v.evidence["inputs"] == ["1\n"]
    assert v.outcomes[1].status is not Status.PASS
    assert len(v.stderr_tail) <= 2000


def test_files_and_the_network_stay_out_of_reach(box: ZygoteSandbox, tmp_path: Path) -> None:
    planted = tmp_path / "written-by-generator"
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(3)
    port = server.getsockname()[1]
    reached: list[bool] = []

    def accept() -> None:
        try:
            server.accept()
            reached.append(True)
        except OSError:
            pass

    listener = threading.Thread(target=accept)
    listener.start()
    code = (
        "import socket\n"
        "def generate_test_input(scale):\n"
        "    if scale == 1:\n"
        f"        open({str(planted)!r}, 'w').write('x')\n"
        "        return 'wrote'\n"
        f"    s = socket.create_connection(('127.0.0.1', {port}), timeout=1)\n"
        "    return s.recv(10).decode()\n"
        "def validate_test_input(text):\n    return True\n"
    )
    try:
        v = generate_inputs("g", code, "stdio", [1, 2], box, LIMITS)
    finally:
        listener.join()
        server.close()
    assert not planted.exists() and not reached
    assert v.evidence["inputs"] == []
    assert all(o.status is Status.ERROR for o in v.outcomes)


def test_the_registered_verifier_reads_an_item() -> None:
    import assay.verifiers.python.outputs  # noqa: F401 - registers python-outputs

    verifier = get("python-inputs")
    item = verifier.Item.model_validate({"id": 1, "code": "x = 1", "scales": [1], "kind": "stdio"})
    assert item.kind == "stdio" and verifier.name == "python-inputs"
    assert get("python-outputs").name == "python-outputs"
