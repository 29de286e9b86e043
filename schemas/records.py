"""Record types that flow between the rooms: tasks, candidates, verdicts, samples, runs.

Every id is a content hash (see `content_id`), so the same content always gets the same id and
a rerun can tell what is already committed. A record's id is hashed once, when first asked
for (its fields are frozen), since a run's driver asks for the same ids many times a task.
"""

from __future__ import annotations

import enum
import hashlib
import json
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Any


def content_id(kind: str, *parts: Any) -> str:
    """A short, stable id for content: sha256 over a canonical JSON of `kind` and `parts`."""
    blob = json.dumps([kind, *parts], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


class Status(str, enum.Enum):  # noqa: UP042 - str mixin kept: callers compare with plain strings
    """The closed set of verdict statuses. A wrong candidate is a value, never an exception."""

    PASS = "pass"
    FAIL = "fail"  # ran, and at least one check said no
    ERROR = "error"  # raised, crashed or exited before all checks reported
    TIMEOUT = "timeout"  # wall-clock or CPU limit hit
    MEMORY = "memory"  # address-space limit hit
    COMPILE_ERROR = "compile_error"  # did not parse, compile or elaborate
    LINT_ERROR = "lint_error"  # compiled, but failed a hygiene/lint rule
    REJECTED = "rejected"  # refused before running (wrong ports, forbidden construct, ...)
    CHEAT = "cheat"  # tried to game the check (sorry, $finish at t=0, forged results, ...)
    NOT_VERIFIED = "not_verified"  # could not be checked at the level asked (e.g. CUDA with no GPU)
    UNSUPPORTED = "unsupported"  # the toolchain cannot handle this input


class Role(str, enum.Enum):  # noqa: UP042 - as Status
    """What a generated candidate is for."""

    SOLVER = "solver"
    TESTER = "tester"
    REPAIRER = "repairer"
    PROVER = "prover"
    CONJECTURER = "conjecturer"
    TRANSLATOR = "translator"
    INPUTGEN = "inputgen"  # a program that generates and validates test inputs


@dataclass(frozen=True)
class Task:
    """A seed problem. `tests` are trusted reference tests (may be empty); `reference` a trusted
    solution."""

    domain: str  # "code", "verilog", "proof", "translation"
    source: str  # where it came from: "seed", "humaneval", a file name
    name: str  # human-readable key, unique within its source
    prompt: str  # what the model sees
    entry_point: str = ""  # function/module the tests call
    reference: str = ""  # a known-good solution, if any
    tests: tuple[str, ...] = ()  # trusted tests (Python: assert statements)
    setup: str = ""  # code the tests need (imports, helpers), run before them
    meta: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def id(self) -> str:
        return content_id("task", self.domain, self.source, self.name, self.prompt)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, **asdict(self), "tests": list(self.tests)}


@dataclass(frozen=True)
class Candidate:
    """One model output for a task in a role: a solution, a test suite, a proof, a translation."""

    task_id: str
    role: Role
    text: str  # the extracted artefact (code, tests as newline-separated asserts, proof body)
    model: str = ""
    sampling: dict[str, Any] = field(default_factory=dict)  # temperature, top_p, max_tokens, seed
    round: int = 0  # 0 for first samples, k for the k-th repair round
    parent_id: str = ""  # the candidate this one repairs, if any
    raw: str = ""  # the model's full completion, before extraction
    wave: int = 0  # which wave of round 0 sampled it (`solver.policy: dart`); 0 otherwise

    @cached_property
    def id(self) -> str:
        return content_id("candidate", self.task_id, self.role.value, self.text)


# Verdict tiers, weakest first: the views take the strongest decided tier of a candidate's newest
# verifier version (schemas/views.sql). Tests run the code; simulation drives a design with
# vectors; cosim compares a translation with its source on validated drivers; formal proves
# equivalence for every input; kernel is a proof checked by a prover's kernel.
TIERS: tuple[str, ...] = ("", "tests", "cosim", "simulation", "formal", "kernel")


class Level(str, enum.Enum):  # noqa: UP042 - as Status
    """How a sample was verified: the closed set a dataset user filters on (README)."""

    TRUSTED_TESTS = "trusted_tests"  # passed the task's own trusted tests (and any others)
    VALIDATED_TESTS = "validated_tests"  # passed model tests validated on a trusted reference
    CONSENSUS_ONLY = "consensus_only"  # chosen by agreement among model tests and solutions
    AGREEMENT_LABELLED = "agreement_labelled"  # passed tests labelled by sampled solutions agreeing
    SIMULATION = "simulation"  # matched a golden design on simulated vectors
    FORMAL_EQUIVALENCE = "formal_equivalence"  # proved equivalent to a golden design
    PROOF_KERNEL = "proof_kernel"  # a proof a prover's kernel accepted
    TRANSLATION_COSIM = "translation_cosim"  # matched its source's outputs on validated drivers


class Formal(str, enum.Enum):  # noqa: UP042 - as Status
    """What the formal tier said of a sample, where a domain has one ("" where it has none)."""

    PROVED = "proved"
    INCONCLUSIVE = "inconclusive"
    NOT_RUN = "not_run"


@dataclass(frozen=True)
class Outcome:
    """One check inside a verdict (one test, one vector set, one proof goal)."""

    name: str
    status: Status
    detail: str = ""


@dataclass(frozen=True)
class Verdict:
    """What a verifier concluded about one candidate, with its evidence."""

    candidate_id: str
    verifier: str  # "python", "verilog", "coq", ...
    status: Status
    tests_passed: int = 0
    tests_total: int = 0
    outcomes: tuple[Outcome, ...] = ()
    stderr_tail: str = ""
    duration_s: float = 0.0
    isolation: str = ""  # the isolation level the check actually ran under
    evidence: dict[str, Any] = field(default_factory=dict)
    against: str = ""  # what it was checked against: a test candidate id, "reference", ...
    task_id: str = ""  # the task the candidate belongs to; lets SQL build the matrix per task
    tier: str = ""  # how deep the check went: one of TIERS ("" for a verdict made outside one)
    verifier_version: int = 0  # bumped when the verifier's judgement changes
    config_hash: str = ""  # the verifier's options and limits (`verifiers.batch.config_hash`)

    @cached_property
    def id(self) -> str:
        """The same check of the same candidate by the same verifier version under the same
        options and limits: a re-check under anything else is a new verdict, not a repeat."""
        return content_id(
            "verdict",
            self.candidate_id,
            self.verifier,
            self.against,
            self.tier,
            self.verifier_version,
            self.config_hash,
        )

    @property
    def passed(self) -> bool:
        return self.status is Status.PASS


@dataclass(frozen=True)
class Sample:
    """A curated, verified training row with its lineage."""

    task_id: str
    candidate_id: str  # the selected solution/proof/translation
    domain: str
    prompt: str
    response: str
    tests: tuple[str, ...] = ()  # the checks it passed (trusted + validated generated tests)
    strategy: str = ""  # the selection strategy that chose it: "codet", "b4", "all", ...
    score: float = 0.0
    verdict_ids: tuple[str, ...] = ()
    run_id: str = ""
    level: Level | str = ""  # how it was verified (a `Level`)
    formal: Formal | str = ""  # the formal tier's answer where the domain has one

    @cached_property
    def id(self) -> str:
        return content_id("sample", self.task_id, self.candidate_id, self.strategy)


class Decision(str, enum.Enum):  # noqa: UP042 - as Status
    """What curation decided about a sample: the closed set of the `curation` table."""

    KEEP = "keep"
    EXACT_DUPLICATE = "exact_duplicate"  # same normalized text as a better kept sample
    NEAR_DUPLICATE = "near_duplicate"  # MinHash Jaccard above the threshold with a kept one
    CONTAMINATED = "contaminated"  # overlaps a benchmark the user named


# KodCode's thresholds on a task's sampled pass rate: `easy` at or above DIFFICULTY_EASY, `hard`
# below DIFFICULTY_HARD, `medium` between, `unsolved` when nothing passed. The defaults of
# `curate.difficulty`, and what the `difficulty` view labels with before any curation pass.
DIFFICULTY_EASY = 2 / 3
DIFFICULTY_HARD = 1 / 3


@dataclass(frozen=True)
class Curation:
    """One curation pass's decision about one sample, with why and what it matched."""

    pass_id: str  # the pass: a hash of the curate config and the samples it saw
    sample_id: str
    task_id: str
    domain: str
    decision: Decision | str
    reason: str = ""
    matched: str = ""  # the kept sample it duplicates, or `benchmark:<set>:<item>`
    similarity: float = 0.0  # Jaccard, 13-gram share or ROUGE-L behind the decision
    difficulty: str = ""  # easy, medium, hard, unsolved (from the task's sampled pass rate)
    pass_rate: float | None = None
    attempts: int = 0
    passes: int = 0
    pass_config: dict[str, Any] = field(default_factory=dict)  # the curate config of the pass
    same_prompt_as: str = ""  # the first task whose prompt this task's repeats or nearly repeats

    @cached_property
    def id(self) -> str:
        return content_id("curation", self.pass_id, self.sample_id)


@dataclass(frozen=True)
class Run:
    """One invocation of a pipeline run. Its id is the run id the flow commits under (given as
    `run_id`, usually a hash of the config fields that change the data), so a rerun shares it."""

    config: dict[str, Any]
    started_at: str
    ended_at: str = ""
    state: str = "running"  # running, completed, failed
    versions: dict[str, str] = field(default_factory=dict)
    counts: dict[str, Any] = field(default_factory=dict)
    run_id: str = ""

    @property
    def id(self) -> str:
        return self.run_id or content_id("run", self.config)
