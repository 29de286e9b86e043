"""Release: a dataset others can load (`assay export`: Hub-layout Parquet shards and a dataset
card) and a report people look at (`assay report`: one self-contained HTML file with plots)."""

from assay.flows.release.export import ExportResult, export_dataset
from assay.flows.release.report import write_report
from assay.flows.release.source import ReleaseError

__all__ = ["ExportResult", "ReleaseError", "export_dataset", "write_report"]
