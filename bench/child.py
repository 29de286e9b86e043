"""A measured run in a fresh process: the benches start themselves again with `--child`, and the
child prints one JSON line (its peak RSS, its time, its counts) as the last line of its output."""

from __future__ import annotations

import json
import subprocess
import sys


def run_child(cmd: list[str]) -> dict:
    """Run `cmd`; its last output line as JSON. A failed child prints the tail of its errors
    and ends the bench with its exit code."""
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(done.stderr[-3000:], file=sys.stderr)
        raise SystemExit(done.returncode)
    return json.loads(done.stdout.strip().splitlines()[-1])


def peak_line(name: str, ours: dict, baseline: dict, what: str) -> str:
    """The benches' last line: our peak RSS, the baseline's (`what` it does) and the ratio."""
    ratio = baseline["peak_rss_mb"] / ours["peak_rss_mb"]
    return (
        f"{name}={ours['peak_rss_mb']:.0f} ({what}: {baseline['peak_rss_mb']:.0f} MB, {ratio:.2f}x)"
    )
