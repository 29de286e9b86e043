"""The code domain's run-config section (`code:`), read and hashed only by its runs."""

from __future__ import annotations

from typing import Any, Literal

from assay.flows.config_sections import _Strict

# The program verifier's languages (`verifiers.program.languages.LANGUAGES`); a test keeps the
# two lists equal.
Language = Literal["c", "cpp", "java", "go", "rust", "javascript", "python"]
LANGUAGES: tuple[str, ...] = Language.__args__  # type: ignore[attr-defined]


class CodeConfig(_Strict):
    """Settings only the code domain reads. `language`: what the solver and repairer write a
    stdin/stdout program in, unless the task names its own (`language` in its line or meta).
    Python programs are checked as before (the `python` verifier); any other language, or a task
    carrying a checker program, goes to the `program` verifier. Function tasks are Python only."""

    language: Language = "python"

    def hashed(self) -> dict[str, Any] | None:
        """What goes into the run id: nothing while the section holds only defaults, so a Python
        run keeps the id it had before the section existed."""
        data = self.model_dump(mode="json", exclude_defaults=True)
        return data or None
