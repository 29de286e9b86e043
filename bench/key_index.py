"""What a process pays to learn which commit keys a dataset holds: the on-disk key index against
reading every manifest into a dict (the store before the index).

Writes `--keys N` commit keys through `Store.write_many`, 256 to a folder as a run's writer
groups them (`schemas/writer.py`), with no rows (the manifests are what is read). Then, each in
a fresh process: the baseline reads every manifest into a dict of keys and looks up `--asks`
keys (half published, half not); ours opens `Store` on the dataset and asks `has` of the same
keys; and ours again with `keys.sqlite` removed (the index built from the manifests, as on a
dataset from before it). Prints each process's seconds to its last answer and its peak RSS.

    uv run python bench/key_index.py                  # 1,000,000 keys
    uv run python bench/key_index.py --keys 100000

Last line: `reopen_speedup=X rss_ratio=Y` (baseline ÷ ours, time and peak RSS).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BATCH = 256  # keys per folder (a run's writer puts up to `schemas.writer.BATCH` in one)


def key(i: int) -> str:
    """A key shaped like a run's stage keys (stage, run id, task id, round)."""
    return f"generate/run-0123456789abcdef/{i:032x}/0"


def write(root: Path, n: int) -> None:
    from assay.schemas.store import Store

    store, started = Store(root), time.monotonic()
    for first in range(0, n, BATCH):
        store.write_many([store.prepare(key(i), {}) for i in range(first, min(first + BATCH, n))])
    folders = (n + BATCH - 1) // BATCH
    print(f"wrote {n:,} keys in {folders:,} folders, {time.monotonic() - started:.1f} s")


def asks(n: int, m: int) -> list[str]:
    """`m` keys spread over the dataset, every other one never published."""
    return [key(i * n // m) if i % 2 == 0 else key(n + i) for i in range(m)]


def child(root: Path, how: str, n: int, m: int) -> None:
    """One way of answering; prints a JSON line of its seconds, peak RSS and answers."""
    from assay.schemas.keyindex import FILE
    from assay.schemas.store import Store

    started = time.perf_counter()  # after the imports, which both ways pay alike
    if how == "manifests":  # the store before the index: every manifest into a dict
        index: dict[str, str] = {}
        for entry in os.scandir(root / "commits"):
            manifest = json.loads((Path(entry.path) / "manifest.json").read_text())
            for k in manifest.get("keys") or [manifest["key"]]:
                index[k] = entry.name
        found = sum(k in index for k in asks(n, m))
    else:
        if how == "rebuild":
            (root / FILE).unlink()
        store = Store(root)
        found = sum(store.has(k) for k in asks(n, m))
    took = time.perf_counter() - started
    rss = peak_rss_mb()
    print(json.dumps({"how": how, "seconds": took, "rss_mb": rss, "found": found}))


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM: unlike `ru_maxrss`, not carried over from the parent
    that started it)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run(root: Path, how: str, n: int, m: int) -> dict:
    cmd = [sys.executable, __file__, "--child", how, "--root", str(root), "--keys", str(n),
           "--asks", str(m)]  # fmt: skip
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keys", type=int, default=1_000_000)
    parser.add_argument("--asks", type=int, default=10_000)
    parser.add_argument("--child", choices=["manifests", "index", "rebuild"])
    parser.add_argument("--root", type=Path)
    args = parser.parse_args()
    if args.child:
        child(args.root, args.child, args.keys, args.asks)
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "dataset"
        write(root, args.keys)
        got = {
            how: run(root, how, args.keys, args.asks) for how in ("manifests", "index", "rebuild")
        }
    assert len({g["found"] for g in got.values()}) == 1, got
    for how, g in got.items():
        found = f"{g['found']:,} of {args.asks:,} found"
        print(f"{how:10} {g['seconds']:8.2f} s  peak RSS {g['rss_mb']:7.0f} MB  ({found})")
    base, ours = got["manifests"], got["index"]
    speedup, rss = base["seconds"] / ours["seconds"], base["rss_mb"] / ours["rss_mb"]
    print(f"reopen_speedup={speedup:.1f} rss_ratio={rss:.1f}")


if __name__ == "__main__":
    main()
