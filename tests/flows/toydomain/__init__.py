"""A toy domain, defined outside assay to show that a domain is one package and one line.

Its tasks are lines of a text file (format `toy-lines`); the model is asked to reverse each; the
`toy-reversed` verifier passes a response that equals the reversed prompt (case aside); its one
role is `solver`; its config section `toy:` says how many answers to sample; curation compares
its responses case-insensitively; it adds the view `toy_reversals` (views.sql).
`register(DOMAIN)` makes it runnable.
"""

from __future__ import annotations

from assay.flows.domains import Domain

DOMAIN = Domain(
    "toy",
    frozenset({"toy-lines"}),
    section="toy",
    config="toydomain.config:ToyConfig",
    package="toydomain",
    normal_form="toydomain.curation:normal_form",
    verifiers={"toy-reversed": ()},
    views="views.sql",
)
