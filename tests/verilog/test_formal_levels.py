"""An inconclusive bounded check is not a proof: the verdict's tier stays `simulation`, the
sample's level says `formal: inconclusive`, and with `require_proof` the design is not a pass."""

from __future__ import annotations

import shutil
from dataclasses import replace

import pytest
from pydantic import ValidationError
from test_deep_states import CLOCK_GOOD, CLOCK_REF, WRAP_GOOD, WRAP_REF

from assay.flows.config import load_config
from assay.flows.domains.verilog.config import VerilogConfig
from assay.flows.domains.verilog.stages import level_of
from assay.schemas.records import Formal, Level, Status
from assay.verifiers import registry
from assay.verifiers.batch import check_batch
from assay.verifiers.sandbox import Limits, ZygoteSandbox
from assay.verifiers.verilog import FormalConfig, check

pytestmark = pytest.mark.skipif(shutil.which("yosys") is None, reason="yosys is not installed")
LIMITS = Limits(wall_s=60, cpu_s=60, memory_mb=1024)
# Induction over 3 steps cannot close for a 12-bit time-of-hour counter against two 6-bit ones
# (unreachable states differ); the two are equivalent from reset, so no counterexample either.
SHALLOW = FormalConfig(depth=3, wall_s=30)


def test_inconclusive_keeps_the_simulation_tier_and_level(sandbox: ZygoteSandbox) -> None:
    v = check("c", CLOCK_GOOD, CLOCK_REF, sandbox, LIMITS, formal=SHALLOW)
    assert (v.status, v.tier, v.evidence["formal"]) == (Status.PASS, "simulation", "inconclusive")
    assert level_of(v) == (Level.SIMULATION, Formal.INCONCLUSIVE)
    proved = check("c", WRAP_GOOD, WRAP_REF, sandbox, LIMITS, formal=SHALLOW)
    assert (proved.status, proved.tier, proved.evidence["formal"]) == (
        Status.PASS,
        "formal",
        "proved",
    )
    assert level_of(proved) == (Level.FORMAL_EQUIVALENCE, Formal.PROVED)


def test_require_proof_turns_inconclusive_into_not_verified(sandbox: ZygoteSandbox) -> None:
    strict = FormalConfig(depth=3, wall_s=30, require_proof=True)
    v = check("c", CLOCK_GOOD, CLOCK_REF, sandbox, LIMITS, formal=strict)
    assert (v.status, v.tier, v.evidence["formal"]) == (
        Status.NOT_VERIFIED,
        "simulation",
        "inconclusive",
    )
    assert [(o.name, o.status) for o in v.outcomes][-1] == ("formal", Status.NOT_VERIFIED)
    assert "proof is required" in v.evidence["reason"]
    proved = check("c", WRAP_GOOD, WRAP_REF, sandbox, LIMITS, formal=strict)
    assert proved.status is Status.PASS and proved.evidence["formal"] == "proved", proved


def test_registered_proof_verifier_stamps_the_tier_it_reached(sandbox: ZygoteSandbox) -> None:
    options = {"cycles": 50}
    for name, want in (("verilog-formal", Status.PASS), ("verilog-proof", Status.NOT_VERIFIED)):
        checker = type(registry.get(name)).from_options(options)  # type: ignore[attr-defined]
        checker.formal = replace(SHALLOW, require_proof=checker.formal.require_proof)
        item = checker.Item(id="c", code=CLOCK_GOOD, reference=CLOCK_REF)
        (v,) = check_batch(checker, [item], lambda fresh: sandbox, LIMITS, options)
        assert (v.status, v.tier, v.verifier_version) == (want, "simulation", 2), v


def test_require_proof_in_the_run_config() -> None:
    with pytest.raises(ValidationError, match="require_proof needs"):
        VerilogConfig(require_proof=True)
    strict = load_config(
        None, ["domain=verilog", "verilog.formal=true", "verilog.require_proof=true"]
    )
    assert strict.verilog.verifier == "verilog-proof"
    assert registry.get("verilog-proof").formal == FormalConfig(require_proof=True)  # type: ignore[attr-defined]
    formal = load_config(None, ["domain=verilog", "verilog.formal=true"])
    assert strict.id != formal.id
    off = load_config(
        None, ["domain=verilog", "verilog.formal=true", "verilog.require_proof=false"]
    )
    assert off.id == formal.id  # a setting left at its default keeps older run ids
