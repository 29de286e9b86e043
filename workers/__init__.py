"""Where compute runs: generation backends and Ray actors."""

import os

# Ray >= 2.45 re-creates `uv run` drivers' environments for every worker (copying the working
# dir and resolving the project again, which rebuilds llama.cpp). assay's workers must run in the
# environment the driver already has, so that hook is off unless the user turned it on.
os.environ.setdefault("RAY_ENABLE_UV_RUN_RUNTIME_ENV", "0")
