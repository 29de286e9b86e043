"""The toy domain's config section (`toy:`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ToyConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    samples: int = Field(default=2, ge=1)  # answers sampled per line
