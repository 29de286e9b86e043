"""A run config's `proofs.lean` reaches the Lean verifier: the registry builds (and reuses) a
verifier per distinct options, and the engine's check lane checks proofs with it (here over the
stand-in REPL, with the lane's workers on threads)."""

from __future__ import annotations

import pytest
from lean_standin import GOOD_RULES, HERE, STATEMENT, standin_argv

from assay.flows.config import load_config
from assay.flows.engine.checks import checks_here
from assay.schemas.records import Status
from assay.verifiers.lean import LeanVerifier
from assay.verifiers.registry import configured, get
from assay.verifiers.sandbox import Limits


def _options() -> dict:
    return {"project": str(HERE), "command": list(standin_argv(GOOD_RULES)), "search_path": "/"}


def test_registry_builds_one_configured_verifier_per_options() -> None:
    built = configured("lean", _options())
    assert isinstance(built, LeanVerifier) and built.config.project == HERE
    assert configured("lean", _options()) is built
    assert configured("lean", None) is get("lean") is not built
    with pytest.raises(ValueError, match="takes no options"):
        configured("python", {"project": "x"})
    with pytest.raises(ValueError, match="Lean verifier options"):
        configured("lean", {"no_such_field": 1})


def test_the_check_lane_checks_with_the_configured_verifier() -> None:
    items = [
        {"id": "ok", "statement": STATEMENT, "proof": "by simp_arith", "header": "import Mathlib"},
        {"id": "cheat", "statement": STATEMENT, "proof": "by sorry", "header": "import Mathlib"},
    ]
    verdicts = checks_here("lean", items, Limits(wall_s=5.0), _options())
    assert [v.status for v in verdicts] == [Status.PASS, Status.CHEAT]
    assert checks_here("lean", items[:1], Limits(wall_s=5.0))[0].status is Status.UNSUPPORTED


def test_run_config_carries_the_lean_project() -> None:
    cfg = load_config(
        None, ["domain=proofs", "proofs.backend=lean", "proofs.lean.project=/opt/minif2f"]
    )
    assert cfg.proofs.lean.options() == {
        "project": "/opt/minif2f",
        "command": ["lake", "env", "repl"],
        "strict": False,
    }
