"""The registry's face of the Coq check: `assay verify coq` reads these input lines."""

from __future__ import annotations

from pydantic import field_validator

from assay.schemas.records import Verdict
from assay.verifiers.coq.check import check
from assay.verifiers.coq.config import CoqConfig
from assay.verifiers.coq.statement import theorem_name
from assay.verifiers.proofs import ProofItem
from assay.verifiers.registry import Registered, register
from assay.verifiers.sandbox import Limits, Sandbox


class CoqItem(ProofItem):
    """id, statement (`Theorem name : ... .`), proof (the body), optional header."""

    @field_validator("statement")
    @classmethod
    def _one_theorem(cls, value: str) -> str:
        theorem_name(value)  # raises StatementError (a ValueError) naming what is wrong
        return value


@register("coq", CoqItem, tier="kernel")
class CoqVerifier(Registered):
    """coqc in the sandbox on the rebuilt file, then assay's assumption audit."""

    config = CoqConfig()

    def check(self, item: CoqItem, sandbox: Sandbox, limits: Limits) -> Verdict:
        return check(
            str(item.id), item.statement, item.proof, sandbox, limits, item.header, self.config
        )
