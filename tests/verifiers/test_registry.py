"""The verifier registry: names are unique and an unknown one says what exists."""

from __future__ import annotations

import pytest

from assay.verifiers import registry
from assay.verifiers.python.check import PythonItem, PythonVerifier


def test_python_is_registered_with_its_item_model() -> None:
    verifier = registry.get("python")
    assert isinstance(verifier, PythonVerifier) and verifier.name == "python"
    item = verifier.Item.model_validate({"id": 1, "code": "x = 1", "tests": ["assert x == 1"]})
    assert isinstance(item, PythonItem) and item.entry_point == "" and item.setup == ""
    assert "python" in registry.names()


def test_unknown_name_lists_the_valid_ones() -> None:
    with pytest.raises(registry.UnknownVerifier, match=r"no verifier named 'verilgo'.*python"):
        registry.get("verilgo")


def test_duplicate_names_are_refused() -> None:
    with pytest.raises(ValueError, match="already registered"):

        @registry.register("python")
        class Again(PythonVerifier):
            pass


def test_register_states_a_verifiers_facts_once_and_subclasses_inherit_them() -> None:
    """`verilog-formal` says only its name: item model, tier and version are `verilog`'s, and
    a verdict's provenance reads them from the registered instance."""
    plain, formal = registry.get("verilog"), registry.get("verilog-formal")
    assert (plain.name, formal.name) == ("verilog", "verilog-formal")
    assert formal.Item is plain.Item and plain.Item.__name__ == "VerilogItem"
    assert (formal.tier, formal.version) == (plain.tier, plain.version) == ("simulation", 2)
    python = registry.get("python")
    assert (python.tier, python.version, python.Item) == ("tests", 1, PythonItem)
