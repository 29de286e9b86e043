"""One proof candidate as a JSONL line: what `assay verify coq|lean` reads.

The statement and header are trusted (they come from the benchmark or the task); only `proof`
is model-written. Extra fields pass through to the output line.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ProofItem(BaseModel):
    """id, the canonical statement, the model's proof body, and the optional trusted header."""

    model_config = ConfigDict(extra="allow")

    id: str | int
    statement: str = Field(min_length=1)  # e.g. "Theorem t : forall n : nat, n + 0 = n."
    proof: str  # the body between the proof opening and closing; may be empty (then it fails)
    header: str = ""  # imports and definitions the statement needs
