"""`assay verify program`: one JSONL line is a program in one language with its tests."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from assay.schemas.records import Verdict
from assay.verifiers.program.build import BuildCache
from assay.verifiers.program.judge import CheckerProgram, judge, run_limits
from assay.verifiers.python.stdio import IOTest
from assay.verifiers.registry import Registered, register
from assay.verifiers.sandbox import Limits, Sandbox

LanguageName = Literal["c", "cpp", "java", "go", "rust", "javascript", "python"]


class TestCase(BaseModel):
    """One test: the input on stdin, the expected output (or the checker's answer file)."""

    model_config = ConfigDict(extra="forbid")
    stdin: str
    stdout: str


class CheckerCode(BaseModel):
    """A checker program called as `checker INPUT OUTPUT ANSWER` (testlib's convention)."""

    model_config = ConfigDict(extra="forbid")
    language: LanguageName
    code: str = Field(min_length=1)


class ProgramLimits(BaseModel):
    """A program's limits per test; without them, the run's check limits apply."""

    model_config = ConfigDict(extra="forbid")
    time_s: float = Field(gt=0, le=60)  # CPU seconds
    memory_mb: int = Field(ge=16, le=65536)  # resident MiB; the stack may use all of it


class ProgramLine(BaseModel):
    """A program to run: one JSONL line's id, language, code and limits (the run's check limits
    where it gives none); extra fields pass through to the output."""

    model_config = ConfigDict(extra="allow")
    id: str | int
    language: LanguageName
    code: str
    limits: ProgramLimits | None = None


class ProgramItem(ProgramLine):
    """One input line of `assay verify program`: a program and the tests it is judged on."""

    tests: list[TestCase] = Field(min_length=1)
    checker: Literal["tokens", "exact", "floats"] | CheckerCode = "tokens"
    tolerance: float = Field(default=1e-6, ge=0)  # for the floats checker


@register("program", ProgramItem, tier="tests")
class ProgramVerifier(Registered):
    """The registry's face of `judge`; holds the run's build cache."""

    def __init__(self) -> None:
        self.cache = BuildCache()

    def check(self, item: ProgramItem, sandbox: Sandbox, limits: Limits) -> Verdict:
        given = item.limits or ProgramLimits(time_s=limits.cpu_s, memory_mb=limits.memory_mb)
        per_test = run_limits(given.time_s, given.memory_mb)
        checker = (
            item.checker
            if isinstance(item.checker, str)
            else CheckerProgram(item.checker.language, item.checker.code)
        )
        tests = [IOTest(t.stdin, t.stdout) for t in item.tests]
        verdict = judge(
            str(item.id), item.language, item.code, tests, sandbox, per_test, self.cache,
            checker, item.tolerance,
        )  # fmt: skip
        # What a verdict depends on beyond the candidate: a new compiler makes a new verdict.
        verdict.evidence["provenance"] = {
            "language": item.language,
            "toolchain": verdict.evidence.get("toolchain", ""),
            "checker": verdict.evidence.get("checker", ""),
            "checker_toolchain": verdict.evidence.get("checker_toolchain", ""),
            "limits": given.model_dump(),
        }
        return verdict
