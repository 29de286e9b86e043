"""A killed export leaves the last one as it was: SIGKILL after each step that moves files into
the export folder, then data/ is whole (the old export or the new one, never neither), and the
next export finishes cleanly."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
from pathlib import Path

from assay.flows.release import export_dataset
from assay.flows.release.export import STAGING

# Runs one export (split "test") and SIGKILLs itself right after the N-th step that moves a
# file or folder in `out` (renames, replaces, and the swap's one-step exchange).
CHILD = """
import os, signal, sys
from pathlib import Path
from assay.flows.release import export_dataset
try:
    import assay.flows.release.swap as swap
except ImportError:  # an assay without the one-step swap: only its renames are counted
    swap = None

dataset, out, kill_at, fallback = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1"
steps = [0]

def killing(step, touches):
    def wrapped(*args, **kwargs):
        result = step(*args, **kwargs)
        if touches(args, result):
            steps[0] += 1
            if steps[0] == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
        return result
    return wrapped

inside = lambda args, result: any(str(a).startswith(out) for a in args[:2])
os.rename = killing(os.rename, inside)
os.replace = killing(os.replace, inside)
if swap is not None:
    one_step = (lambda a, b: False) if fallback else swap.exchange
    swap.exchange = killing(one_step, lambda args, swapped: swapped)
export_dataset(dataset, out, split="test")
"""


def _digest(folder: Path) -> str:
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    blob = b"".join(str(p.relative_to(folder)).encode() + p.read_bytes() for p in files)
    return hashlib.sha256(blob).hexdigest()


def _killed_at(dataset: Path, out: Path, step: int, fallback: bool) -> bool:
    """Run the child export; True if it was killed at `step`, False if it finished first."""
    args = [str(dataset), str(out), str(step), "1" if fallback else "0"]
    done = subprocess.run([sys.executable, "-c", CHILD, *args], capture_output=True, timeout=300)
    if done.returncode == 0:
        return False
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()[-2000:]
    return True


def test_an_export_killed_at_any_step_leaves_a_whole_data_folder(
    dataset: Path, tmp_path: Path
) -> None:
    out = tmp_path / "release"
    export_dataset(dataset, out)  # the last export: split "train"
    old = _digest(out / "data")
    step = 1
    while _killed_at(dataset, out, step, fallback=False):
        assert (out / "data").is_dir(), f"killed after step {step}: no data/"
        assert _digest(out / "data") in (old, _new(out)), f"killed after step {step}"
        step += 1
    assert step > 1  # it was killed at least once before it could finish
    assert [p.name for p in (out / "data" / "code").iterdir()] == ["test-00000-of-00001.parquet"]


def _new(out: Path) -> str:
    """The digest of the killed export's own data/, wherever the swap left it."""
    for candidate in (out / "data", out / STAGING / "data"):
        names = [p.name for p in (candidate / "code").glob("*.parquet")]
        if names and all(n.startswith("test-") for n in names):
            return _digest(candidate)
    return "no new export was published"


def test_without_a_one_step_swap_the_next_export_puts_the_old_data_back(
    dataset: Path, tmp_path: Path
) -> None:
    out = tmp_path / "release"
    export_dataset(dataset, out)
    old, card = _digest(out / "data"), (out / "README.md").read_text()
    assert _killed_at(dataset, out, 1, fallback=True)  # between the two renames
    assert not (out / "data").exists()  # the window the journal covers
    from assay.flows.release.swap import recover

    recover(out / STAGING, out)  # what the next export does first
    assert _digest(out / "data") == old
    assert (out / "README.md").read_text() == card
    assert _killed_at(dataset, out, 2, fallback=True)  # after both: data/ is the new one
    recover(out / STAGING, out)
    assert "data/code/test-*" in (out / "README.md").read_text()  # its card came with it
    assert not any(p.name.startswith("train-") for p in (out / "data" / "code").iterdir())
    export_dataset(dataset, out)
    assert _digest(out / "data") == old and not (out / STAGING).exists()
    assert sorted(os.listdir(out)) == ["README.md", "data"]
