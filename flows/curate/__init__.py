"""Curation: exact and near dedup, decontamination and difficulty, before a dataset is released."""

from __future__ import annotations

from assay.flows.curate.config import CurateConfig
from assay.flows.curate.run import curate_dataset, summary

__all__ = ["CurateConfig", "curate_dataset", "summary"]
