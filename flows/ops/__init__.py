"""Running assay as a service: a local Prefect server, scheduled runs, run locks, Ray jobs."""
