"""Runs, their engine, domains and the CLI. Importing it first imports `assay.workers`, which
turns Ray's `uv run` hook off before anything here (or a script using it) imports Ray."""

import assay.workers  # noqa: F401
