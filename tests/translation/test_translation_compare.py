"""Record comparison and config validation (no sandbox)."""

from __future__ import annotations

import pytest

from assay.verifiers.translation.compare import first_difference
from assay.verifiers.translation.config import TranslationConfig


def rec(*tokens: str, name: str = "r"):
    return [(name, tokens)]


def test_integers_and_strings_are_exact() -> None:
    assert first_difference(rec("i:5", "s:6869"), rec("i:5", "s:6869"), 0.1, 0.1) is None
    assert "got 6" in first_difference(rec("i:5"), rec("i:6"), 1.0, 1.0)
    assert first_difference(rec("s:6869"), rec("s:6868"), 1.0, 1.0) is not None


def test_floats_use_relative_tolerance_not_printed_digits() -> None:
    big, near, off = "f:1000000.0", "f:1000000.0000001", "f:1000000.5"
    assert first_difference(rec(big), rec(near), 1e-9, 0.0) is None
    # equal in 6 printed digits, but 5e-7 apart: a dropped element of a large sum
    assert first_difference(rec(big), rec(off), 1e-9, 0.0) is not None
    assert first_difference(rec("f:nan"), rec("f:nan"), 1e-9, 0.0) is None
    assert first_difference(rec("f:inf"), rec("f:-inf"), 1e-9, 0.0) is not None
    assert first_difference(rec("g:1.0"), rec("g:1.00001"), 1e-9, 0.0, 1e-4) is None


def test_shape_name_and_type_mismatches() -> None:
    assert "records" in first_difference(rec("i:1"), [], 0, 0)
    assert "named" in first_difference(rec("i:1"), rec("i:1", name="q"), 0, 0)
    assert "values" in first_difference(rec("i:1"), rec("i:1", "i:2"), 0, 0)
    assert "type" in first_difference(rec("i:1"), rec("f:1"), 0, 0)


@pytest.mark.parametrize(
    "bad", [{"threads": ()}, {"threads": (0,)}, {"repeats": 0}, {"rtol": -1.0}, {"opt": "-Ofast"}]
)
def test_config_is_validated_when_built(bad) -> None:
    with pytest.raises(ValueError, match="TranslationConfig"):
        TranslationConfig(**bad)
