"""The proofs domain: formal statements (Coq, or Lean 4) proved by the model and checked by the
real prover in the sandbox, APOLLO-style repair rounds fed with the checker's own errors, an
optional STP-style conjecture round (new statements filtered by a trusted compile check and a
cheap refutation attempt, then proved like seeds), and selection of passing proofs scored by
their statement's pass rate."""
