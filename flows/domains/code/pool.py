"""The code domain's test pool and pass matrix: which tests count, and who passed what.

A task's pool is its trusted tests plus the generated tests that survived validation (they pass
on the trusted reference solution, when there is one; with trusted tests alone, on most of the
solutions that pass them: `votes`). Every solution runs against the whole pool
in one sandboxed check; the per-test outcomes form one row of the N×M pass matrix.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from assay.schemas.records import Candidate, Status, Task, Verdict, content_id


@dataclass(frozen=True)
class PoolTest:
    """One assert statement in the pool, with where it came from."""

    code: str
    trusted: bool
    origins: tuple[str, ...] = ()  # tester (or input-generator) candidate ids that proposed it
    labelled: bool = False  # its expected output is the agreement of sampled solutions

    @property  # asked for once per outcome of every verdict, of pools built again and again
    def id(self) -> str:
        return _test_id(self.code)


@lru_cache(maxsize=1 << 16)
def _test_id(code: str) -> str:
    return content_id("test", code)


@dataclass(frozen=True)
class TestPool:
    task_id: str
    tests: tuple[PoolTest, ...]

    @cached_property
    def id(self) -> str:
        return _pool_id(self.task_id, tuple(t.code for t in self.tests))

    @property
    def codes(self) -> list[str]:
        return [t.code for t in self.tests]

    @property
    def trusted_indices(self) -> list[int]:
        return [i for i, t in enumerate(self.tests) if t.trusted]

    @property
    def labelled_indices(self) -> list[int]:
        return [i for i, t in enumerate(self.tests) if t.labelled]


@lru_cache(maxsize=1 << 12)  # a task's pool is built again for each of its checks
def _pool_id(task_id: str, codes: tuple[str, ...]) -> str:
    return "pool:" + content_id("pool", task_id, list(codes))


def candidate_tests(testers: list[Candidate]) -> list[tuple[str, str]]:
    """(assert line, tester id) for every generated test, in candidate order."""
    return [(line, c.id) for c in testers for line in c.text.splitlines() if line.strip()]


@lru_cache(maxsize=1 << 16)  # a task's tests are normalised again at every round
def _normal(code: str) -> str:
    """Formatting-insensitive form of a test, so a restated trusted test is not counted twice."""
    try:
        return ast.unparse(ast.parse(code))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return code.strip()


def build_pool(
    task: Task,
    testers: list[Candidate],
    valid: set[str] | None,
    labelled: Sequence[tuple[str, tuple[str, ...]]] = (),
) -> TestPool:
    """Trusted tests first (in the task's order), then generated ones (only those in `valid`,
    if given) and `labelled` ones (test, generator ids) sorted by their text, deduplicated."""
    origins: dict[str, list[str]] = {}
    trusted = {_normal(t) for t in task.tests}
    for code, tester_id in candidate_tests(testers):
        if _normal(code) in trusted or (valid is not None and code not in valid):
            continue
        origins.setdefault(code, []).append(tester_id)
    tests = [PoolTest(code, True) for code in dict.fromkeys(task.tests)]
    # Generated tests in content order, not arrival order: the pool (and its id, which every
    # verdict against it names) is the same whichever tester answered first.
    labels = {code: ids for code, ids in labelled if _normal(code) not in trusted}
    tests += [
        PoolTest(code, False, tuple(sorted(labels.get(code) or origins[code])), code in labels)
        for code in sorted({*origins, *labels})
    ]
    return TestPool(task.id, tuple(tests))


def passed_tests(verdict: Verdict) -> list[bool]:
    """One bool per test, in pool order; tests the verdict has no outcome for count as failed."""
    flags = [o.status is Status.PASS for o in verdict.outcomes]
    return flags + [False] * (verdict.tests_total - len(flags))


@dataclass
class Matrix:
    """Solutions × pool tests; `rows[i][j]` is True when solution i passed test j."""

    pool: TestPool
    solutions: list[Candidate] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)

    @property
    def rows(self) -> list[list[bool]]:
        """One flag per pool test for every solution; a verdict with fewer outcomes (an
        `error` no check finished) fails the tests it has none for."""
        n = len(self.pool.tests)
        return [(passed_tests(v) + [False] * n)[:n] for v in self.verdicts]

    def verified(self) -> list[int]:
        """Solutions that pass every test in the pool (trusted and validated generated)."""
        return [
            i
            for i, v in enumerate(self.verdicts)
            if v.status is Status.PASS and v.tests_total == len(self.pool.tests) > 0
        ]
