"""`verify.isolation`: on a machine that refuses a layer (drilled here with
`SandboxOptions.refuse`, which makes the zygote meet the same refusal the kernel would give),
`require` refuses to run any check, naming the missing layer and what to do, and `warn` runs the
check and records the lower level on its Execution."""

from __future__ import annotations

import logging
import os

import pytest
from hostkit import QUICK

from assay.flows.config_sections import VerifyConfig
from assay.flows.stop import descendants
from assay.verifiers.sandbox import IsolationRefused, SandboxOptions, open_sandbox, policy
from assay.verifiers.sandbox.policy import advice

LEVELS = {
    "namespaces": "rlimits",  # no namespaces: shared network, files and processes; host uid
    "pid": "ns(net,ipc,uts,mount)+uid+rlimits",
}


@pytest.mark.parametrize("layer", sorted(LEVELS))
def test_require_refuses_and_names_the_missing_layer(layer: str) -> None:
    before = set(descendants(os.getpid()))
    with pytest.raises(IsolationRefused) as info:
        open_sandbox(options=SandboxOptions("require", frozenset({layer})))
    message = str(info.value)
    assert f"does not allow {layer}" in message and LEVELS[layer] in message
    assert "CAP_SYS_ADMIN" in message  # this machine runs the sandbox as root
    assert "verify.isolation: warn" in message  # and how to run degraded on purpose
    if layer == "pid":
        assert "/proc" in message
    assert set(descendants(os.getpid())) <= before, "a refused zygote was left running"


@pytest.mark.parametrize("layer", sorted(LEVELS))
def test_warn_runs_and_records_the_lower_level(
    layer: str,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(policy, "_warned", set())  # said once per process: say it here
    with caplog.at_level(logging.WARNING, "assay.sandbox"):
        box = open_sandbox(options=SandboxOptions("warn", frozenset({layer})))
    try:
        ex = box.run_command(["sh", "-c", "echo checked"], {}, QUICK)
    finally:
        box.close()
    assert (ex.exit_code, ex.stdout) == (0, b"checked\n")
    assert ex.isolation == box.isolation == LEVELS[layer]
    assert "SANDBOX DEGRADED" in caplog.text and layer in caplog.text


def test_require_runs_where_nothing_is_missing() -> None:
    with open_sandbox(options=SandboxOptions("require")) as box:
        ex = box.run_command(["true"], {}, QUICK)
    assert ex.exit_code == 0 and ex.isolation == "ns(net,ipc,uts,mount,pid)+uid+rlimits"


def test_options_and_config_are_validated() -> None:
    with pytest.raises(ValueError, match="'warn' or 'require'"):
        SandboxOptions("sometimes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown layers"):
        SandboxOptions(refuse=frozenset({"seccomp"}))
    assert VerifyConfig().isolation == "warn"
    assert VerifyConfig(isolation="require").isolation == "require"
    with pytest.raises(ValueError):
        VerifyConfig(isolation="sometimes")  # type: ignore[arg-type]


def test_advice_fits_who_runs_the_sandbox() -> None:
    user = advice(["namespaces (Operation not permitted): network, mounts and /tmp shared"], False)
    assert "kernel.unprivileged_userns_clone=1" in user and "apparmor_restrict" in user
    root = advice(["pid namespace (Operation not permitted)"], True)
    assert "--cap-add SYS_ADMIN" in root and "systempaths=unconfined" in root
