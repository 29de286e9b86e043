"""Normal forms of a sample's text, as its domain reads it (`Domain.normal_form`,
`Domain.near_form`): for exact dedup, what a reformat or a comment cannot change; for near dedup,
what shingles compare. A domain that names none loses only whitespace differences for exact
dedup and is compared as written for near dedup, as is a domain no longer registered."""

from __future__ import annotations

import re
from collections.abc import Callable

_SPACE = re.compile(r"\s+")


def spaces(text: str) -> str:
    """Whitespace runs collapsed to one space: the exact-dedup key of a domain naming none."""
    return _SPACE.sub(" ", text).strip()


def unchanged(text: str) -> str:
    return text


Forms = tuple[Callable[[str], str], Callable[[str], str]]
_FORMS: dict[str, Forms] = {}  # by registered domain, resolved once (curation calls per row)


def _forms(domain: str) -> Forms:
    from assay.flows.domains import DOMAINS, text_form

    if domain in _FORMS:
        return _FORMS[domain]
    if domain not in DOMAINS:
        return spaces, unchanged
    found = DOMAINS[domain]
    forms = text_form(found.normal_form, spaces), text_form(found.near_form, unchanged)
    return _FORMS.setdefault(domain, forms)


def normal_form(domain: str, text: str) -> str:
    """`text` as the exact-dedup key of `domain` sees it."""
    return _forms(domain)[0](text)


def near_form(domain: str, text: str) -> str:
    """`text` as near dedup compares it for `domain`."""
    return _forms(domain)[1](text)
