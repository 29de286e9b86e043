"""What the Coq verifier accepts: which axioms a proof may rest on, and how deep to check.

Validated when built and passed in; never read from globals or the environment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# The classical axioms of Coq's standard library that miniF2F-style mathematics uses. Together
# they are consistent (they hold in the set-theoretic model). `Reals` itself rests on the first
# three, so no real-number theorem is "closed under the global context".
STDLIB_CLASSICAL = frozenset(
    {
        "Coq.Reals.ClassicalDedekindReals.sig_forall_dec",
        "Coq.Reals.ClassicalDedekindReals.sig_not_dec",
        "Coq.Logic.FunctionalExtensionality.functional_extensionality_dep",
        "Coq.Logic.Classical_Prop.classic",
        "Coq.Logic.PropExtensionality.propositional_extensionality",
        "Coq.Logic.ProofIrrelevance.proof_irrelevance",
        "Coq.Logic.Eqdep.Eq_rect_eq.eq_rect_eq",
        "Coq.Logic.IndefiniteDescription.constructive_indefinite_description",
        "Coq.Logic.ClassicalEpsilon.constructive_indefinite_description",
        "Coq.Logic.Description.constructive_definite_description",
        "Coq.Logic.Epsilon.epsilon_statement",
        "Coq.Logic.ClassicalUniqueChoice.dependent_unique_choice",
        "Coq.Sets.Ensembles.Extensionality_Ensembles",
    }
)
_QUALIFIED = re.compile(r"[^\W\d][\w']*(\.[^\W\d][\w']*)+")


@dataclass(frozen=True)
class CoqConfig:
    """`allowed_axioms`: fully qualified names a passing proof may depend on (besides axioms the
    trusted header declares). `coqchk`: also re-check the compiled proof with Coq's independent
    kernel checker (about 1-2 s more per check)."""

    allowed_axioms: frozenset[str] = field(default=STDLIB_CLASSICAL)
    coqchk: bool = False

    def __post_init__(self) -> None:
        bad = [name for name in self.allowed_axioms if not _QUALIFIED.fullmatch(name)]
        if bad:
            raise ValueError(f"CoqConfig.allowed_axioms: not fully qualified names: {bad}")
