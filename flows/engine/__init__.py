"""The round engine: one streaming loop that runs every domain's per-task programs.

A domain writes each task's rounds as a plain Python generator that yields `Generate` and
`Check` operations and commits as it goes (`ops`); `loop.drive` runs many tasks' programs at
once, batching their requests to generator replicas and fanning their checks out to verifier
workers (`lanes`), with a bounded window of tasks in flight.
"""
