"""Model-written input generators, run in the sandbox: a program → the test inputs it makes.

The program defines `generate_test_input(scale)` and `validate_test_input(...)`. One sandboxed
run calls the generator once per requested scale (smallest first, each call seeded) through the
trusted Python harness, so a call that hangs, floods or crashes costs only the calls after it;
a second run asks the validator about each distinct input: with the text the generator returned
(stdin/stdout tasks), or with the arguments spread as in the call itself (function tasks).
Inputs that are not the right kind (text, or a tuple of plain data with one item per
parameter), too large, repeated or refused by the validator are dropped. When the function has
one parameter, a value that is not a 1-tuple is taken as that argument. A generator is hostile
code like any candidate: the sandbox's limits and isolation hold for both runs.
"""

from __future__ import annotations

import ast
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from assay.schemas.records import Outcome, Status, Verdict
from assay.verifiers.python.check import ENTRY, Test, compile_error, payload
from assay.verifiers.python.plaindata import decode
from assay.verifiers.registry import Registered, register
from assay.verifiers.sandbox import Execution, Limits, Sandbox

Kind = Literal["function", "stdio"]
SEEDED = "assay_seeded_input"
# Appended to the generator: each call starts from its own seed, so a rerun makes the same inputs.
WRAPPER = f"""

def {SEEDED}(seed, scale):
    import random as _random
    _random.seed(seed)
    return generate_test_input(scale)
"""


def harness_results(
    code: str, exprs: list[str], sandbox: Sandbox, limits: Limits, setup: str = "", entry: str = ""
) -> tuple[list[dict[str, Any] | None], str, Execution]:
    """Evaluate each expression against `code` in one sandboxed harness run: per expression
    the harness's message (None when the run ended before it), the load error, the execution."""
    tests = [Test(e, "value", expr=e) for e in exprs]
    ex = sandbox.run_python(ENTRY, payload(code, tests, setup, entry), limits)
    messages: list[dict[str, Any]] = []
    for line in ex.channel.split(b"\n")[:-1]:  # the last piece is empty or cut by a kill
        try:
            message = json.loads(line)
        except ValueError:
            break
        if not isinstance(message, dict):
            break
        messages.append(message)
    load_error = next((str(m.get("error")) for m in messages if m.get("t") == "load_error"), "")
    results: list[dict[str, Any] | None] = [m for m in messages if m.get("t") == "test"]
    results = results[: len(exprs)] + [None] * (len(exprs) - len(results))
    return results, load_error, ex


def canonical(value: Any, kind: str) -> str | None:
    """An input as the text a test carries: stdin text (line-terminated), or the `repr` of an
    argument tuple that reads back as the same plain data. None: not a usable input."""
    if kind == "stdio":
        if type(value) is not str:
            return None
        return value if value.endswith("\n") or not value else value + "\n"
    if type(value) is list:
        value = tuple(value)
    if type(value) is not tuple:
        return None
    text = repr(value)
    try:
        same = ast.literal_eval(text) == value
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    return text if same else None


def _ended(ex: Execution) -> Status:
    if ex.timed_out:
        return Status.TIMEOUT
    return Status.MEMORY if ex.memory_exceeded else Status.ERROR


def _as_arguments(value: Any, arity: int | None) -> Any:
    """A one-parameter function's argument given bare (`[1, 2]`, `"s"`) becomes its 1-tuple."""
    if arity == 1 and not (type(value) is tuple and len(value) == 1):
        return (value,)
    return value


def _generated(
    results: list[dict[str, Any] | None],
    kind: str,
    max_bytes: int,
    ex: Execution,
    arity: int | None = None,
) -> tuple[dict[int, str], dict[int, Any], list[Outcome]]:
    """Distinct usable inputs by the call that made them, the values as the generator returned
    them (what the validator is asked about), and one outcome per call."""
    found: dict[int, str] = {}
    raw: dict[int, Any] = {}
    outcomes = []
    for i, message in enumerate(results):
        name = f"call {i}"
        if message is None:
            outcomes.append(Outcome(name, _ended(ex), "the run ended before this call returned"))
            continue
        if "value" not in message:
            outcomes.append(Outcome(name, Status.ERROR, str(message.get("error", ""))[:300]))
            continue
        try:
            value = decode(message["value"])
            if kind == "function":
                value = _as_arguments(value, arity)
            text = canonical(value, kind)
        except (ValueError, TypeError, KeyError):
            text = None
        if text is None:
            want = "text" if kind == "stdio" else "a tuple of plain data"
            outcomes.append(Outcome(name, Status.FAIL, f"not an input: it must be {want}"))
        elif kind == "function" and arity is not None and len(value) != arity:
            outcomes.append(
                Outcome(name, Status.FAIL, f"{len(value)} arguments for {arity} parameters")
            )
        elif len(text.encode()) > max_bytes:
            outcomes.append(Outcome(name, Status.FAIL, f"input over {max_bytes} bytes"))
        elif text in found.values():
            outcomes.append(Outcome(name, Status.FAIL, "duplicate input"))
        else:
            found[i], raw[i] = text, value
            outcomes.append(Outcome(name, Status.PASS, text[:200]))
    return found, raw, outcomes


def generate_inputs(
    candidate_id: str,
    code: str,
    kind: str,
    scales: list[int],
    sandbox: Sandbox,
    limits: Limits,
    max_bytes: int = 16_384,
    arity: int | None = None,
) -> Verdict:
    """Run the generator at `scales`, then its validator on what it made; the kept inputs are
    `evidence["inputs"]` and each call's fate is an outcome (pass: kept). `arity`: the
    function's parameter count, when known."""
    if detail := compile_error(code, "<generator>"):
        return Verdict(candidate_id, "python-inputs", Status.COMPILE_ERROR, stderr_tail=detail)
    order = sorted(range(len(scales)), key=lambda i: (scales[i], i))  # small ones first
    exprs = [f"{SEEDED}({i}, {scales[i]})" for i in order]
    results, load_error, ex = harness_results(code + WRAPPER, exprs, sandbox, limits)
    if load_error:
        return Verdict(candidate_id, "python-inputs", Status.ERROR, stderr_tail=load_error[-2000:])
    made, raw, outcomes = _generated(results, kind, max_bytes, ex, arity)
    seconds = ex.duration_s
    if made:
        args = [f"*{made[i]}" if kind == "function" else repr(raw[i]) for i in made]
        answers, _, vex = harness_results(
            code, [f"validate_test_input({a})" for a in args], sandbox, limits
        )
        seconds += vex.duration_s
        for i, answer in zip(list(made), answers, strict=True):
            if answer is None or answer.get("value") != ["bool", True]:
                outcomes[i] = Outcome(outcomes[i].name, Status.FAIL, "the validator refused it")
                del made[i]
    inputs = list(made.values())
    status = Status.PASS if inputs else Status.FAIL
    if not inputs and any(o.status in (Status.TIMEOUT, Status.MEMORY) for o in outcomes):
        status = _ended(ex)
    return Verdict(
        candidate_id,
        "python-inputs",
        status,
        len(inputs),
        len(scales),
        tuple(outcomes),
        stderr_tail=ex.stderr.decode(errors="replace").strip()[-2000:],
        duration_s=seconds,
        isolation=ex.isolation,
        evidence={"kind": kind, "inputs": inputs, "scales": scales},
    )


class InputsItem(BaseModel):
    """One generator program and the scales to call it at (`assay verify python-inputs`)."""

    model_config = ConfigDict(extra="allow")

    id: str | int
    code: str
    kind: Kind = "function"
    scales: list[int] = Field(min_length=1, max_length=1000)
    max_input_bytes: int = Field(default=16_384, ge=1)
    arity: int | None = Field(default=None, ge=1)  # a function task's parameter count, if known


# version 2: the validator takes the arguments spread; one-parameter values are wrapped
@register("python-inputs", InputsItem, tier="tests", version=2)
class InputsVerifier(Registered):
    """The registry's face of `generate_inputs`."""

    def check(self, item: InputsItem, sandbox: Sandbox, limits: Limits) -> Verdict:
        return generate_inputs(
            str(item.id),
            item.code,
            item.kind,
            item.scales,
            sandbox,
            limits,
            item.max_input_bytes,
            item.arity,
        )
