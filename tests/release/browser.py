"""Debian's chromium, headless, as root in a container: the DOM after rendering, or a PNG.

`python tests/release/browser.py OUT.png` builds the small test dataset, writes its report and
saves a screenshot (the README's docs/report.png is made this way)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--hide-scrollbars", "--no-first-run"]  # fmt: skip


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _run(args: list[str], profile: Path) -> subprocess.CompletedProcess[str]:
    exe = chromium()
    assert exe is not None, "chromium is not installed (apt-get install -y chromium)"
    command = [exe, *FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


def dump_dom(page: Path, profile: Path) -> str:
    """The page's DOM as chromium serializes it once loaded."""
    return _run(["--dump-dom", page.absolute().as_uri()], profile).stdout


def screenshot(page: Path, png: Path, profile: Path, size: str = "1280,1160") -> None:
    _run([f"--window-size={size}", f"--screenshot={png.absolute()}", page.absolute().as_uri()],
         profile)  # fmt: skip


if __name__ == "__main__":
    from release_dataset import build

    from assay.flows.release import write_report

    target = Path(sys.argv[1])
    with tempfile.TemporaryDirectory() as tmp:
        build(Path(tmp) / "dataset")
        page = write_report(Path(tmp) / "dataset", Path(tmp) / "report.html")
        screenshot(page, target, Path(tmp) / "profile")
    print(f"wrote {target}")
