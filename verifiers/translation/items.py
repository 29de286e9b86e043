"""One JSONL input line of `assay verify translation`, and one test inside it."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class TranslationTest(BaseModel):
    """A test driver: C++ that includes nothing of the code under test and defines
    `void assay_test()`, calling the function and recording results with `assay::emit`."""

    model_config = ConfigDict(extra="forbid")

    name: str
    driver: str = Field(min_length=1)

    @field_validator("name")
    @classmethod
    def _plain_name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("test names are 1-64 of [A-Za-z0-9_.-]")
        return value


class TranslationItem(BaseModel):
    """`source` is the trusted serial code; `translation` the candidate. Both are compiled as
    their own unit, after `prelude`; each test driver is compiled after `header` (types and
    prototypes it needs) and linked with one of them."""

    model_config = ConfigDict(extra="allow")

    id: str | int
    source: str = Field(min_length=1)
    translation: str
    tests: list[TranslationTest] = Field(min_length=1)
    target: Literal["openmp", "cuda"] = "openmp"
    language: Literal["c", "cpp"] = "cpp"  # of source (and of an OpenMP translation)
    header: str = ""
    prelude: str = ""
    rtol: float | None = Field(default=None, ge=0)
    atol: float | None = Field(default=None, ge=0)

    @field_validator("tests")
    @classmethod
    def _unique(cls, tests: list[TranslationTest]) -> list[TranslationTest]:
        names = [t.name for t in tests]
        if len(set(names)) != len(names):
            raise ValueError("test names must be unique within an item")
        return tests
