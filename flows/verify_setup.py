"""What `assay verify NAME` checks with: the verifier, options and sandbox limits a run of the
same config checks with, so a verdict's `config_hash` (`verifiers.batch.config_hash`, stamped
by `check_batch` for both) is the same from the command line as from a run."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assay.flows.config import ConfigError, RunConfig, load_config
from assay.flows.domains import get, run_of
from assay.verifiers.registry import Verifier
from assay.verifiers.sandbox import Limits


@dataclass(frozen=True)
class VerifySetup:
    verifier: Verifier
    options: dict[str, Any] | None  # what `verifier` was built with
    limits: Limits


def check_limits(config: RunConfig) -> Limits:
    """The sandbox limits a run of `config` checks with (`RunState.limits`)."""
    lim = config.verify.limits
    return Limits(wall_s=lim.wall_s, cpu_s=lim.cpu_s, memory_mb=lim.memory_mb)


def setting(field: str, value: Any) -> str:
    """A `--set` override for `field` that holds `value` as given (JSON is read as YAML, so a
    path such as `yes` stays a string)."""
    return f"{field}={json.dumps(value)}"


def verify_setup(name: str, config: Path | None, overrides: list[str]) -> VerifySetup:
    """The verifier `name` as a run of `config` (default: the embedded defaults for a run that
    checks with `name`, set as its domain's registration says) builds it, with that run's
    options and limits. A config whose run checks with another verifier raises `ConfigError`
    naming it; bad options raise ValueError."""
    from assay.verifiers import registry

    base = (run_of(name) or ()) if config is None else ()
    cfg = load_config(config, [*base, *overrides])
    used, options = get(cfg.domain).flow().verifier(cfg)
    if used != name:
        raise ConfigError(
            f"{config or 'the defaults'}: a run of this config checks with {used!r}, not "
            f"{name!r}; run `assay verify {used}`, or --set what picks {name!r}"
        )
    return VerifySetup(registry.configured(name, options), options, check_limits(cfg))
