"""`assay verify-server`: every registered verifier behind one HTTP API, on Ray Serve.

- `setups`: what each verifier checks with (the options and limits `assay verify` uses).
- `core`: validation, the bounded queue, and the `judged` flag that tells an infrastructure
  failure from a verdict.
- `dispatch`: items of all requests in chunks to the workers, a lost worker's items retried.
- `http`: the routes, as a pure function of a request (testable without a server).
- `deploy`: the Ray Serve deployments (the gateway and the verifier workers).
- `run`: the foreground command: start, serve, stop everything it started on Ctrl-C/SIGTERM.

The client (`assay.client`) needs neither Ray nor this package.
"""
