"""How curation reads a toy response: case and surrounding space do not make it new."""

from __future__ import annotations


def normal_form(text: str) -> str:
    return text.strip().lower()
