"""Contest programs in C, C++, Java, Go, Rust, JavaScript and Python, judged like a contest.

`languages` (the table and toolchain versions), `build` (compile once in the sandbox, cached),
`judge` (run per test, compare or run a checker program), `verifier` (`assay verify program`).
"""
