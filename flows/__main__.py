"""`python -m assay.flows ...` is the `assay` command (used by Ray job entrypoints)."""

from assay.flows.cli import main

main()
