"""The verilog domain: natural-language specs of hardware modules, RTL designs from the model,
differential simulation of every design against the task's golden RTL (or a formal equivalence
check), repair rounds shown how the simulation disagreed, selection scored by per-task pass rate,
and an optional round trip (design → prose spec → regenerated design, kept when equivalent)."""
