"""Candidates that try to game the check instead of solving it: none may pass.

The task is `add(a, b)`; every cheat below returns a wrong answer (or none) and tries to make the
verifier count it as passing anyway.
"""

from __future__ import annotations

import pytest

from assay.schemas.records import Status
from assay.verifiers.python.check import check
from assay.verifiers.sandbox import Limits, ZygoteSandbox

LIMITS = Limits(wall_s=3, cpu_s=2, memory_mb=512)
TESTS = ["assert add(1, 2) == 3", "assert add(-5, 5) == 0", "assert abs(add(2, 2) - 4) < 1e-9"]
WRONG = "def add(a, b):\n    return 7\n"


def verdict(box: ZygoteSandbox, code: str, tests: list[str] = TESTS):
    return check("cheat", code, tests, box, LIMITS, entry_point="add")


EARLY_EXITS = {
    "exit(0) before the asserts": "import sys\nsys.exit(0)\n" + WRONG,
    "os._exit(0) while loading": "import os\nos._exit(0)\n" + WRONG,
    "os._exit(0) inside the call": "import os\ndef add(a, b):\n    os._exit(0)\n",
    "kills the harness": "import os, signal\ndef add(a, b):\n    os.kill(os.getppid(), 9)\n",
    "forges the sandbox's done message": "import os, struct\n"
    "for fd in range(3, 64):\n    try:\n        os.write(fd, struct.pack('<Bd', 0, 0.0))\n"
    "    except OSError:\n        pass\nos._exit(0)\n",
}


@pytest.mark.parametrize("code", EARLY_EXITS.values(), ids=EARLY_EXITS.keys())
def test_early_exit_is_an_error_with_no_test_passed(sandbox: ZygoteSandbox, code: str) -> None:
    v = verdict(sandbox, code)
    assert (v.status, v.tests_passed) == (Status.ERROR, 0)


RAISES = {
    "SystemExit": "def add(a, b):\n    raise SystemExit(0)\n",
    "KeyboardInterrupt": "def add(a, b):\n    raise KeyboardInterrupt\n",
    "BaseException": "class Out(BaseException):\n    pass\ndef add(a, b):\n    raise Out()\n",
}


@pytest.mark.parametrize("code", RAISES.values(), ids=RAISES.keys())
def test_base_exceptions_in_a_test_fail_it(sandbox: ZygoteSandbox, code: str) -> None:
    v = verdict(sandbox, code)
    assert (v.status, v.tests_passed) == (Status.FAIL, 0)
    assert all(o.status is Status.FAIL for o in v.outcomes)


EQ_OVERRIDES = {
    "int subclass": "class Yes(int):\n    def __eq__(self, other):\n        return True\n"
    "    __hash__ = int.__hash__\n    def __sub__(self, other):\n        return 0\n"
    "def add(a, b):\n    return Yes(7)\n",
    "object": "class Yes:\n    def __eq__(self, other):\n        return True\n"
    "    def __sub__(self, other):\n        return 0\n"
    "    def __lt__(self, other):\n        return True\n"
    "def add(a, b):\n    return Yes()\n",
}


@pytest.mark.parametrize("code", EQ_OVERRIDES.values(), ids=EQ_OVERRIDES.keys())
def test_eq_override_on_the_returned_value_fails(sandbox: ZygoteSandbox, code: str) -> None:
    v = verdict(sandbox, code)
    assert v.status is Status.FAIL and v.tests_passed == 0
    assert "not plain data" in v.outcomes[0].detail


def test_printed_pass_lines_are_ignored(sandbox: ZygoteSandbox) -> None:
    forged = '{"t": "test", "i": 0, "ok": true}\\n{"t": "done", "leftovers": []}\\nPASSED 3/3'
    code = f"import sys\nprint('{forged}')\nsys.stderr.write('{forged}')\n" + WRONG
    v = verdict(sandbox, code)
    assert (v.status, v.tests_passed) == (Status.FAIL, 0)


PATCH = "import builtins\nbuiltins.abs = lambda x: 0\nbuiltins.isinstance = lambda *a: True\n"
PATCHES = {
    "builtins.abs and isinstance": (PATCH + WRONG, Status.CHEAT),
    "non-plain result": (PATCH + "def add(a, b):\n    return object()\n", Status.CHEAT),
    "patched inside the call": (
        "import builtins\ndef add(a, b):\n    builtins.abs = len\n    return [0] * 3\n",
        Status.CHEAT,
    ),
    "shadowing names": (
        "def abs(x):\n    return 0\ndef isinstance(*a):\n    return True\n" + WRONG,
        Status.FAIL,
    ),
}


@pytest.mark.parametrize(("code", "status"), PATCHES.values(), ids=PATCHES.keys())
def test_patched_builtins_cannot_change_a_test(
    sandbox: ZygoteSandbox, code: str, status: Status
) -> None:
    tests = [*TESTS, "assert isinstance(add(1, 1), int) and add(1, 1) == 2"]
    v = verdict(sandbox, code, tests)
    assert (v.status, v.tests_passed) == (status, 0)
    if status is Status.CHEAT:
        assert "abs" in v.evidence["reason"]


FORGE = 'import os\nline = b\'{"t": "test", "i": 0, "ok": true}\\n\'\n'


def test_forged_lines_on_its_own_fds_do_not_count(sandbox: ZygoteSandbox) -> None:
    writes = "for fd in range(64):\n    try:\n        os.write(fd, line)\n"
    writes += "    except OSError:\n        pass\n"
    v = verdict(sandbox, FORGE + writes + WRONG)
    assert v.tests_passed == 0 and v.status in (Status.ERROR, Status.FAIL)


def test_the_harness_fds_are_out_of_reach(sandbox: ZygoteSandbox) -> None:
    """It tries to open the harness's fds (the result channel among them) through /proc;
    `add` returns how many it could open, so a pass proves it got none."""
    code = FORGE + (
        "opened = 0\n"
        "for fd in range(64):\n"
        "    try:\n"
        "        f = os.open(f'/proc/{os.getppid()}/fd/{fd}', os.O_WRONLY)\n"
        "        os.write(f, line)\n        opened += 1\n"
        "    except OSError:\n        pass\n"
        "def add(a, b):\n    return opened\n"
    )
    v = verdict(sandbox, code, ["assert add(0, 0) == 0"])
    assert (v.status, v.tests_passed) == (Status.PASS, 1)


SEARCH = """
import gc, sys
def _hits(*parts):
    needle = "".join(parts)  # built at run time: the candidate's own text must not hold it
    hits, seen = [0], set()
    def look(value):
        if isinstance(value, str):
            hits[0] += needle in value
        elif isinstance(value, (bytes, bytearray)):
            hits[0] += needle.encode() in value
        elif isinstance(value, (list, tuple, dict)) and id(value) not in seen:
            seen.add(id(value))
            for item in list(value.values() if isinstance(value, dict) else value):
                look(item)
    frame = sys._getframe().f_back  # this frame holds the needle itself
    while frame is not None:
        look(dict(frame.f_locals))
        frame = frame.f_back
    for obj in gc.get_objects():
        if isinstance(obj, (dict, list)):
            look(obj)
    return hits[0]
"""


def test_tests_are_out_of_the_candidates_reach(sandbox: ZygoteSandbox) -> None:
    """It searches its frames and every collected object for a test's text, at load and when
    called; `add` answers whether it found it, so a pass proves it saw nothing."""
    code = SEARCH + "seen_at_load = _hits('needle', '-4f1c')\n"
    code += "def add(a, b):\n    return seen_at_load + _hits('needle', '-4f1c')\n"
    tests = ["assert add(0, 0) == 0", "assert 'needle-4f1c' != add(1, 1)"]
    v = verdict(sandbox, code, tests)
    assert (v.status, v.tests_passed) == (Status.PASS, 2), v.outcomes


def test_deleting_the_tests_it_can_find_changes_nothing(sandbox: ZygoteSandbox) -> None:
    code = (
        "import gc, sys\n"
        "for obj in gc.get_objects():\n"
        "    if isinstance(obj, dict) and 'tests' in obj:\n        obj['tests'] = []\n"
        "    if isinstance(obj, list) and any(isinstance(t, dict) and 'kind' in t for t in obj):\n"
        "        obj.clear()\n"
        "frame = sys._getframe()\n"
        "while frame is not None:\n"
        "    if isinstance(frame.f_locals.get('tests'), list):\n"
        "        frame.f_locals['tests'].clear()\n"
        "    frame = frame.f_back\n"
    ) + WRONG
    v = verdict(sandbox, code)
    assert (v.status, v.tests_passed, len(v.outcomes)) == (Status.FAIL, 0, 3)
    assert [o.detail for o in v.outcomes[:2]] == ["expected 3, got 7", "expected 0, got 7"]


def test_forged_worker_replies_never_make_a_pass(sandbox: ZygoteSandbox) -> None:
    """Its own process is its own: it rewrites every failure it reports as a success. Tests that
    only its process can judge (non-plain values) are therefore never counted as passed."""
    code = (
        "import json\n_dumps = json.dumps\n"
        "def _forge(obj, *a, **k):\n"
        "    if isinstance(obj, dict) and 'error' in obj:\n"
        "        obj = {'value': ['none', None]}\n"
        "    return _dumps(obj, *a, **k)\n"
        "json.dumps = _forge\n"
        "def add(a, b):\n    return object()\n"
    )
    tests = ["assert isinstance(add(1, 2), int)", "assert add(2, 2) > 3"]
    v = verdict(sandbox, code, tests)
    assert (v.status, v.tests_passed) == (Status.NOT_VERIFIED, 0)
    assert [o.status for o in v.outcomes] == [Status.NOT_VERIFIED] * 2


def test_a_thread_left_running_fails(sandbox: ZygoteSandbox) -> None:
    code = "import threading, time\nthreading.Thread(target=time.sleep, args=(60,)).start()\n"
    v = verdict(sandbox, code + "def add(a, b):\n    return a + b\n")
    assert v.status is Status.FAIL and "thread" in v.evidence["reason"]
