"""The `assay` command line: run, query, verify, submit, serve and the local server."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from assay.flows.verify_setup import VerifySetup

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Verified training data: generate, verify, select, commit to Parquet, query with SQL.",
)
verify_app = typer.Typer(
    no_args_is_help=True, help="Check existing candidates (JSONL in, JSONL out)."
)
app.add_typer(verify_app, name="verify")

DatasetOpt = Annotated[
    Path, typer.Option("--dataset", "-d", envvar="ASSAY_DATASET", help="Dataset root folder.")
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set", "-s", help="Override a config field, e.g. --set solver.n=2 (repeatable)."
    ),
]


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.secho(message, fg=typer.colors.RED, err=True)
    return typer.Exit(code)


def _config(path: Path | None, overrides: list[str] | None):
    from assay.flows.config import ConfigError, load_config  # pydantic: not for `assay sql`

    try:
        return load_config(path, overrides or [])
    except ConfigError as exc:
        raise _fail(str(exc)) from None


@app.command()
def run(
    config: Annotated[
        Path | None, typer.Argument(help="Run config (YAML); embedded defaults if omitted.")
    ] = None,
    overrides: SetOpt = None,
    retry_failed: Annotated[
        bool,
        typer.Option(
            "--retry-failed",
            help="Send again the prompts an earlier run judged poison (engine.retry_failed).",
        ),
    ] = False,
) -> None:
    """Generate, verify, select and commit to the dataset."""
    from assay.flows.runner import run_pipeline
    from assay.flows.sources import TaskFileError

    more = ["engine.retry_failed=true"] if retry_failed else []
    cfg = _config(config, [*(overrides or []), *more])
    try:
        summary = run_pipeline(cfg)
    except TaskFileError as exc:
        raise _fail(str(exc)) from None
    if summary.state != "completed":
        raise typer.Exit(1)


@app.command()
def sql(
    query: Annotated[
        str,
        typer.Argument(
            help="SQL over the views tasks, candidates, verdicts, samples, runs, matrix."
        ),
    ],
    dataset: DatasetOpt = Path("data/dataset"),
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, csv or json")] = "table",
) -> None:
    """Run DuckDB SQL over the dataset and print the result."""
    from assay.flows.dataset import query as run_query
    from assay.flows.output import print_table

    if fmt not in ("table", "csv", "json"):
        raise _fail(f"--format must be table, csv or json, not {fmt!r}")
    try:
        result = run_query(dataset, query)
    except Exception as exc:  # duckdb raises many error types; all mean "this query failed"
        raise _fail(f"query failed: {exc}") from None
    print_table(result, fmt)


@app.command()
def status(
    dataset: DatasetOpt = Path("data/dataset"),
    address: Annotated[
        str | None,
        typer.Option(help="A Ray dashboard address: list assay's jobs there instead."),
    ] = None,
) -> None:
    """List the dataset's runs with their counts.

    With --address, assay's jobs on that Ray cluster instead."""
    from assay.flows.dataset import query as run_query
    from assay.flows.output import print_table

    if address is not None:
        _jobs(address)
        return
    print_table(
        run_query(
            dataset,
            "SELECT left(id, 12) AS run, name, state, strftime(started_at, '%Y-%m-%d %H:%M') "
            "AS started, round(epoch(ended_at) - epoch(started_at)) AS seconds, tasks, "
            "candidates, verdicts, samples FROM runs ORDER BY started_at",
        ),
        "table",
    )


def _jobs(address: str) -> None:
    import pyarrow as pa
    from ray.exceptions import AuthenticationError

    from assay.flows.ops.cluster import AUTH_HELP, ClusterError, assay_jobs, client
    from assay.flows.output import print_table

    try:
        jobs = assay_jobs(client(address))
    except ClusterError as exc:
        raise _fail(str(exc), 1) from None
    except AuthenticationError:
        raise _fail(AUTH_HELP.format(address=address), 1) from None
    rows = [{"job": j.submission_id, "status": j.status, "run": j.run[:12], "config": j.config}
            for j in jobs]  # fmt: skip
    names = ["job", "status", "run", "config"]
    print_table(pa.Table.from_pylist(rows, schema=pa.schema([(n, pa.string()) for n in names])),
                "table")  # fmt: skip


@app.command()
def compact(dataset: DatasetOpt = Path("data/dataset")) -> None:
    """Rewrite many small commit folders into a few large ones.

    Atomic: readers see the old folders or the new, and a kill loses nothing; safe while a run
    writes."""
    from assay.schemas.compact import CompactionBusy
    from assay.schemas.compact import compact as run_compact

    if not (dataset / "commits").is_dir():
        raise _fail(
            f"{dataset} is not a dataset (no commits/ folder in it); give --dataset the folder "
            "a run wrote (the run config's `dataset`)"
        )
    try:
        report = run_compact(dataset)
    except CompactionBusy as exc:
        raise _fail(str(exc), 1) from None
    except OSError as exc:
        message = f"compacting {dataset} failed: {exc}; nothing was lost (the dataset reads as "
        raise _fail(message + "before): fix the cause and run `assay compact` again", 1) from None
    typer.echo(
        f"folders {report.folders_before:,} -> {report.folders_after:,}, "
        f"files {report.files_before:,} -> {report.files_after:,}, "
        f"{report.bytes_before / 1e6:,.1f} MB -> {report.bytes_after / 1e6:,.1f} MB "
        f"({len(report.written)} written in place of {report.replaced:,}, "
        f"{report.seconds:.1f} s)"
    )


@app.command()
def curate(
    config: Annotated[
        Path | None, typer.Argument(help="A run config whose `curate:` section to use.")
    ] = None,
    dataset: Annotated[
        Path | None,
        typer.Option("--dataset", "-d", help="Dataset root (default: the config's `dataset`)."),
    ] = None,
    overrides: SetOpt = None,
) -> None:
    """Mark duplicates and benchmark overlaps, label difficulty.

    A curation pass over every sample in the dataset (also run at the end of every run)."""
    from assay.flows.curate import curate_dataset

    cfg = _config(config, overrides)
    root = dataset or cfg.dataset
    if not (root / "commits").is_dir():
        raise _fail(f"{root} is not a dataset (no commits/ folder in it); give --dataset")
    report = curate_dataset(root, cfg.curate)
    counts = ", ".join(f"{k} {v:,}" for k, v in report["decisions"].items())
    action = "committed" if report["committed"] else "already there, nothing committed"
    typer.echo(f"curation pass {report['pass_id']} ({action}): {counts}")
    if report["benchmark_tasks"]:
        typer.echo(
            f"NOTE: {report['benchmark_tasks']} kept samples answer benchmark items themselves "
            "(the run's tasks are a benchmark): do not release them as training data for it",
            err=True,
        )


@app.command()
def export(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for data/ and README.md.")],
    dataset: DatasetOpt = Path("data/dataset"),
    split: Annotated[str, typer.Option(help="Split name of the files.")] = "train",
    max_shard_mb: Annotated[
        float, typer.Option(help="Most uncompressed MB per Parquet shard.")
    ] = 500,
    name: Annotated[
        str | None, typer.Option(help="The card's pretty_name (default: the run's name).")
    ] = None,
) -> None:
    """Write the curated samples in the Hugging Face Hub's layout.

    One config per domain, zstd Parquet shards, and a dataset card; curates first if samples
    are not curated yet. The new export replaces the last one in one step."""
    from assay.flows.release import ReleaseError, export_dataset

    try:
        result = export_dataset(dataset, out, split, max_shard_mb, name)
    except ReleaseError as exc:
        raise _fail(str(exc), 1) from None
    for warning in result.warnings:
        typer.secho(f"WARNING: {warning}", fg=typer.colors.YELLOW, bold=True, err=True)
    for domain, files in result.files.items():
        typer.echo(f"{domain}: {result.rows[domain]:,} rows in {len(files)} file(s)")
    typer.echo(f"wrote {out}/README.md; load with datasets.load_dataset({str(out)!r}, NAME)")


@app.command()
def report(
    out: Annotated[Path, typer.Option("--out", "-o", help="The HTML file to write.")],
    dataset: DatasetOpt = Path("data/dataset"),
    run: Annotated[
        str | None, typer.Option("--run", help="Only this run's rows (an id or its prefix).")
    ] = None,
) -> None:
    """Write one self-contained HTML report with plots.

    Funnel, pass rates, difficulty, pass@1 per round, verdict statuses, check time."""
    from assay.flows.release import ReleaseError, write_report

    try:
        path = write_report(dataset, out, run)
    except ReleaseError as exc:
        raise _fail(str(exc), 1) from None
    typer.echo(f"wrote {path}")


@verify_app.callback()
def _verify() -> None:
    """Verifiers are chosen by name: `assay verify python --input candidates.jsonl`."""


def _verify_with(
    name: str,
    input: Path,
    output: Path | None,
    jobs: int,
    config: Path | None,
    overrides: list[str],
    only_limits: bool = False,
) -> None:
    """Check `input` with verifier `name` as a run of `config` (or of the defaults) would:
    the same options and limits, so the verdicts' `config_hash` is a run's. `only_limits`:
    a verifier no run checks with yet (`program`) takes the config's check limits alone."""
    from assay.flows.config import ConfigError
    from assay.flows.verify import verify_file
    from assay.flows.verify_setup import verify_setup
    from assay.verifiers.jsonl import InputError

    try:
        setup = _limits_only(name, config, overrides) if only_limits else None
        setup = setup or verify_setup(name, config, overrides)
    except (ConfigError, ValueError) as exc:
        raise _fail(str(exc)) from None
    try:
        summary = verify_file(name, input, output, setup.limits, jobs, setup.options)
    except InputError as exc:
        raise _fail(str(exc)) from None
    finally:
        close = getattr(setup.verifier, "close", None)
        if close is not None:
            close()
    typer.echo(str(summary), err=True)


def _limits_only(name: str, config: Path | None, overrides: list[str]) -> VerifySetup:
    """`name` with no options, under the check limits of `config` (or of the defaults)."""
    from assay.flows.config import load_config
    from assay.flows.verify_setup import VerifySetup, check_limits
    from assay.verifiers import registry

    return VerifySetup(registry.get(name), None, check_limits(load_config(config, overrides)))


def _limits(timeout: float | None, memory_mb: int | None) -> list[str]:
    """The overrides of the config's check limits given on the command line."""
    from assay.flows.verify_setup import setting

    given = {"wall_s": timeout, "cpu_s": timeout, "memory_mb": memory_mb}
    return [setting(f"verify.limits.{k}", v) for k, v in given.items() if v is not None]


InputOpt = Annotated[Path, typer.Option("--input", "-i", help="JSONL, one candidate per line.")]
OutputOpt = Annotated[
    Path | None, typer.Option("--output", "-o", help="JSONL verdicts (stdout if omitted).")
]
JobsOpt = Annotated[int, typer.Option("--jobs", "-j", min=1, help="Parallel sandboxes.")]
TimeoutOpt = Annotated[
    float | None,
    typer.Option(help="Wall-clock and CPU seconds per check (default: the config's limits)."),
]
MemoryOpt = Annotated[
    int | None,
    typer.Option(help="Address-space limit per check, MiB (default: the config's limits)."),
]
VerifyConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="A run config: check with its verifier options and limits, as its run would "
        "(default: the embedded defaults).",
    ),
]


def _verify_command(name: str, doc: str = "", only_limits: bool = False):
    """A `verify NAME` command: a JSONL file through the check lane with a run's options
    (`only_limits`: the config's check limits alone, for a verifier no run uses)."""

    def command(
        input: InputOpt,
        output: OutputOpt = None,
        jobs: JobsOpt = 2,
        timeout: TimeoutOpt = None,
        memory_mb: MemoryOpt = None,
        config: VerifyConfigOpt = None,
        overrides: SetOpt = None,
    ) -> None:
        more = [*(overrides or []), *_limits(timeout, memory_mb)]
        _verify_with(name, input, output, jobs, config, more, only_limits=only_limits)

    command.__doc__ = doc or (
        f"Verify {name} candidates from a JSONL file.\n\nOptions and limits are a run's: "
        "those of --config, else the defaults, so each verdict's config_hash is the one a run "
        "would record."
    )
    return command


verify_app.command("python")(_verify_command("python"))
verify_app.command("verilog")(_verify_command("verilog"))
verify_app.command("verilog-formal")(_verify_command("verilog-formal"))
verify_app.command("verilog-proof")(_verify_command("verilog-proof"))
verify_app.command("coq")(_verify_command("coq"))
verify_app.command("translation")(_verify_command("translation"))


verify_app.command("program")(
    _verify_command(
        "program",
        "Judge contest programs in seven languages from a JSONL file.\n\n"
        "Languages: c, cpp, java, go, rust, javascript, python. A line: id, language, code, "
        "tests [{stdin, stdout}], optional checker (tokens, exact, floats, or a checker program "
        "{language, code} called as `checker INPUT OUTPUT ANSWER`) and limits {time_s, "
        "memory_mb}; a line without limits gets the config's check limits.",
        only_limits=True,
    )
)


@verify_app.command("lean")
def verify_lean(
    input: InputOpt,
    project: Annotated[
        Path | None,
        typer.Option(help="A built Lake project with the REPL (e.g. miniF2F-lean4 + Mathlib)."),
    ] = None,
    command: Annotated[
        str | None,
        typer.Option(help="How the REPL starts in the project (default: lake env repl)."),
    ] = None,
    strict: Annotated[
        bool | None, typer.Option(help="Re-check passes in a fresh, sandboxed Lean.")
    ] = None,
    output: OutputOpt = None,
    jobs: JobsOpt = 2,
    timeout: TimeoutOpt = None,
    memory_mb: MemoryOpt = None,
    config: VerifyConfigOpt = None,
    overrides: SetOpt = None,
) -> None:
    """Verify Lean 4 proofs from a JSONL file.

    Each line has `id`, `statement`, `proof` and optionally `header`. Without a project
    (--project, or the config's proofs.lean.project) nothing can be checked: every verdict is
    `unsupported`. Options and limits are a run's, as for every verifier."""
    from assay.flows.verify_setup import setting

    if project is not None and not project.is_dir():
        raise _fail(f"--project {project}: no such folder (a built Lake project is needed)")
    lean = {"project": str(project) if project else None, "strict": strict,
            "command": command.split() if command else None}  # fmt: skip
    given = [setting(f"proofs.lean.{k}", v) for k, v in lean.items() if v is not None]
    more = [*(overrides or []), *given, *_limits(timeout, memory_mb)]
    _verify_with("lean", input, output, jobs, config, more)


EnvOpt = Annotated[
    str,
    typer.Option(
        "--env",
        help="uv: the job carries this checkout and builds its locked environment with uv on "
        "the nodes; cluster: the cluster's Python already has assay.",
    ),
]


@app.command()
def submit(
    config: Annotated[Path, typer.Argument(help="Run config (YAML).")],
    address: Annotated[str, typer.Option(help="Ray dashboard address, e.g. http://127.0.0.1:8265")],
    overrides: SetOpt = None,
    wait: Annotated[
        bool, typer.Option(help="Follow the job until it ends (--no-wait prints its id).")
    ] = True,
    env: EnvOpt = "uv",
) -> None:
    """Submit the run as a Ray job.

    The job id is deterministic: while one runs, submitting again follows it."""
    from assay.flows.ops.cluster import ClusterError
    from assay.flows.ops.submit import submit_job

    if env not in ("uv", "cluster"):
        raise _fail(f"--env must be uv or cluster, not {env!r}")
    cfg = _config(config, overrides)
    try:
        code = submit_job(cfg, config, address, env, wait=wait)  # type: ignore[arg-type]
    except ClusterError as exc:
        raise _fail(str(exc), 1) from None
    raise typer.Exit(code)


def _server_config(port: int | None):
    from pydantic import ValidationError

    from assay.flows.ops.server import ServerConfig

    try:
        return ServerConfig() if port is None else ServerConfig(port=port)
    except ValidationError as exc:
        raise _fail(f"--port: {exc.errors()[0]['msg']}") from None


PortOpt = Annotated[
    int | None, typer.Option(help="Port of assay's local Prefect server (default 4200).")
]


@app.command()
def serve(
    config: Annotated[Path, typer.Argument(help="Run config (YAML).")],
    cron: Annotated[str | None, typer.Option(help='Schedule, e.g. "0 3 * * *".')] = None,
    interval: Annotated[float | None, typer.Option(help="Or: run every this many seconds.")] = None,
    overrides: SetOpt = None,
    name: Annotated[
        str | None, typer.Option(help="Deployment name (default: the run's name).")
    ] = None,
    concurrency: Annotated[int, typer.Option(help="Runs of this deployment at once.")] = 1,
    collision: Annotated[
        str,
        typer.Option(help="A run due while the limit is reached: skip (cancelled) or queue."),
    ] = "skip",
    port: PortOpt = None,
) -> None:
    """Serve the run as a Prefect deployment on a schedule.

    Blocks; Ctrl-C stops. Uses PREFECT_API_URL if set, else assay's local Prefect server
    (started if needed)."""
    from pydantic import ValidationError

    from assay.flows.ops.schedule import ScheduleConfig, serve_schedule
    from assay.flows.ops.server import ServerError

    cfg = _config(config, overrides)
    try:
        schedule = ScheduleConfig(
            name=name or cfg.name, cron=cron, interval_s=interval, concurrency=concurrency,
            collision=collision,  # type: ignore[arg-type]
        )  # fmt: skip
    except ValidationError as exc:
        item = exc.errors()[0]
        where = ".".join(str(p) for p in item["loc"])
        raise _fail(f"{where + ': ' if where else ''}{item['msg']}") from None
    try:
        serve_schedule(cfg, schedule, _server_config(port))
    except ServerError as exc:
        raise _fail(str(exc), 1) from None


@app.command("verify-server")
def verify_server(
    host: Annotated[str, typer.Option(help="Interface to bind (loopback unless told).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="HTTP port.")] = 8077,
    address: Annotated[
        str | None,
        typer.Option(help="Ray cluster: auto or ray://host:port (default: a local Ray)."),
    ] = None,
    token_env: Annotated[
        str | None,
        typer.Option(help="Environment variable holding a bearer token requests must carry."),
    ] = None,
    min_workers: Annotated[int, typer.Option(min=1, help="Fewest verifier replicas.")] = 1,
    max_workers: Annotated[
        int | None, typer.Option(min=1, help="Most verifier replicas (default: one per CPU).")
    ] = None,
    max_queue: Annotated[
        int, typer.Option(min=1, help="Items admitted at once; beyond it, 429.")
    ] = 256,
) -> None:
    """Serve every verifier over HTTP (Ray Serve).

    Runs in the foreground until Ctrl-C or SIGTERM, then stops all it started.
    GET /healthz, GET /verifiers, POST /verify/{verifier} {"items": [...]}: verdicts as
    `assay verify` writes them, each with judged (false: the check itself failed; mask it)."""
    import os

    from pydantic import ValidationError

    from assay.flows.service.run import serve_forever
    from assay.flows.service.setups import ServiceConfig

    token = None
    if token_env is not None:
        token = os.environ.get(token_env) or None
        if token is None:
            raise _fail(f"--token-env {token_env}: that variable is unset or empty")
    try:
        cfg = ServiceConfig(
            host=host, port=port, address=address, token=token, min_workers=min_workers,
            max_workers=max_workers, max_queue=max_queue,
        )  # fmt: skip
    except ValidationError as exc:
        raise _fail(str(exc)) from None
    serve_forever(cfg, lambda line: typer.echo(line, err=True))


server_app = typer.Typer(
    no_args_is_help=True,
    help="Start, stop or query assay's local Prefect server.",
    epilog="The server has a scheduler; `assay serve` uses it on this machine.",
)
app.add_typer(server_app, name="server")


@server_app.command("start")
def server_start(port: PortOpt = None) -> None:
    """Start the server in the background, unless one runs."""
    from assay.flows.ops.server import ServerError, start

    cfg = _server_config(port)
    try:
        running, started = start(cfg)
    except ServerError as exc:
        raise _fail(str(exc), 1) from None
    how = "started" if started else "already running"
    typer.echo(f"{how}: {running.url} (pid {running.pid}, log {cfg.log_file})")
    typer.echo(f"export PREFECT_API_URL={running.url}  # to use it from other Prefect commands")


@server_app.command("stop")
def server_stop() -> None:
    """Stop the server `assay server start` or `assay serve` started."""
    from assay.flows.ops.server import stop

    stopped = stop(_server_config(None))
    typer.echo(f"stopped pid {stopped.pid}" if stopped else "not running")


@server_app.command("status")
def server_status() -> None:
    """Say whether the server runs, where, and if it answers."""
    from assay.flows.ops.server import healthy, status

    cfg = _server_config(None)
    running = status(cfg)
    if running is None:
        typer.echo(f"not running (home {cfg.home})")
        raise typer.Exit(1)
    health = "healthy" if healthy(running.url) else "not answering"
    typer.echo(f"running: {running.url} (pid {running.pid}, {health}, log {cfg.log_file})")


def main() -> None:
    from assay.flows.stop import EXIT_CODE, Stopper

    stopper = Stopper()
    stopper.install()
    try:
        app()
    except BaseException as exc:
        # After a SIGTERM every way out is 143: typer turns the interrupt into 130, Prefect
        # into its own TerminationSignal, and Ray's compiled calls into other errors.
        done = isinstance(exc, SystemExit) and exc.code in (0, None)
        if stopper.requested.wait(0 if done else 0.2):
            sys.exit(EXIT_CODE)
        if isinstance(exc, KeyboardInterrupt):
            sys.exit(130)
        raise
