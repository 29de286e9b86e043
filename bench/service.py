"""`assay verify-server` against `assay verify` on the same items: items/s, and per-request
p50/p99 latency at concurrency 1, 16 and 64.

The items are `--items` Python candidates (two in three pass), checked once each way:

- cli: `assay verify python --jobs J` as a user runs it (a subprocess, start-up included), and
  the same check lane in this process (`verify_file`, no start-up) for reference;
- service: a server started here on loopback (`--max-workers J`), then at each concurrency
  that many clients sending requests of `--batch` items (`assay.client`, retries on 429).

    uv run python bench/service.py
    uv run python bench/service.py --items 384 --batch 8

Last line: `service_vs_cli=X p99_ms=Y`: X is the service's items/s at concurrency 16 over
`assay verify`'s, Y that run's p99 request latency (goal X >= 0.7 on a 2-core machine).
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the tests' helpers
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "service"))

from conftest import Server

from assay.client import Client
from assay.flows.service.setups import setup_of
from assay.flows.verify import verify_file

OK = "def f(x):\n    return x + 1\n"
BAD = "def f(x):\n    return x\n"


def items(n: int) -> list[dict]:
    return [{"id": str(i), "code": OK if i % 3 else BAD, "tests": ["assert f(1) == 2"]}
            for i in range(n)]  # fmt: skip


def cli_rate(rows: list[dict], jobs: int, folder: Path) -> tuple[float, float]:
    """Items/s of `assay verify` as a command, and of its check lane in this process."""
    src = folder / "in.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    started = time.monotonic()
    cmd = [sys.executable, "-m", "assay.flows", "verify", "python", "-i", str(src),
           "-o", str(folder / "cli.jsonl"), "--jobs", str(jobs)]  # fmt: skip
    subprocess.run(cmd, check=True, capture_output=True)
    command = len(rows) / (time.monotonic() - started)
    setup = setup_of("python")
    started = time.monotonic()
    verify_file("python", src, folder / "lane.jsonl", setup.limits, jobs, setup.options)
    return command, len(rows) / (time.monotonic() - started)


def service_run(url: str, rows: list[dict], clients: int, batch: int) -> tuple[float, list[float]]:
    """Items/s and each request's latency (s) with `clients` clients at once."""
    parts = [rows[i : i + batch] for i in range(0, len(rows), batch)]
    latencies: list[float] = []
    lock = threading.Lock()

    def work(k: int) -> None:
        client = Client(url, batch=batch, concurrency=1)
        for part in parts[k::clients]:
            started = time.monotonic()
            verdicts = client.verify("python", part)
            assert len(verdicts) == len(part)
            with lock:
                latencies.append(time.monotonic() - started)

    started = time.monotonic()
    threads = [threading.Thread(target=work, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(rows) / (time.monotonic() - started), latencies


def pct(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))] * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--items", type=int, default=256)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    rows = items(args.items)
    with tempfile.TemporaryDirectory() as tmp:
        command, lane = cli_rate(rows, args.jobs, Path(tmp))
        print(f"assay verify --jobs {args.jobs}: {command:.1f} items/s "
              f"(its check lane alone: {lane:.1f} items/s)", flush=True)  # fmt: skip
        server = Server(Path(tmp) / "server.log", "--max-workers", str(args.jobs))
        try:
            server.wait_ready()
            service_run(server.url, rows[:32], 4, args.batch)  # warm: sandboxes, imports
            found = {}
            for clients in (1, 16, 64):
                rate, lat = service_run(server.url, rows, clients, args.batch)
                found[clients] = (rate, pct(lat, 0.99))
                p50, p99 = pct(lat, 0.5), pct(lat, 0.99)
                print(f"service, {clients:>2} clients x {args.batch} items: {rate:.1f} items/s, "
                      f"p50 {p50:.0f} ms, p99 {p99:.0f} ms", flush=True)  # fmt: skip
        finally:
            server.proc.send_signal(signal.SIGTERM)
            server.stop()
    rate, p99 = found[16]
    print(f"service_vs_cli={rate / command:.2f} p99_ms={p99:.0f}")


if __name__ == "__main__":
    main()
