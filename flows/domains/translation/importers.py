"""ParEval (a checkout with `prompts/` and `drivers/`) → Tasks for the translation domain.

Each serial problem becomes one task: the baseline renamed to the prompt's function is the
trusted source (`reference`), the problem's own CPU driver (rewritten by the verifier's
`pareval` module to record results) is its one trusted test, the prompt's types and signature
are the drivers' header (`setup`), and ParEval's includes go to `meta.prelude`.
"""

from __future__ import annotations

from pathlib import Path

from assay.schemas.records import Task

FORMAT = "pareval"
TEST_SIZE = 1 << 20  # ParEval's own sizes (1024) are too small to expose a missing reduction


class ParEvalImportError(ValueError):
    """A folder that is not a ParEval checkout; the message names what is missing."""


def load_pareval(root: Path, test_size: int | None = TEST_SIZE) -> list[Task]:
    """Every serial ParEval problem with a CPU driver, in name order."""
    from assay.verifiers.translation import pareval

    root = Path(root)
    if not (root / "prompts" / "generation-prompts.json").is_file():
        raise ParEvalImportError(f"{root}: no prompts/generation-prompts.json (not ParEval)")
    tasks = []
    for problem in pareval.load_problems(root):
        try:
            item = pareval.to_item(problem, root, test_size=test_size)
        except ValueError as exc:
            raise ParEvalImportError(f"{root}: problem {problem.name}: {exc}") from None
        tasks.append(
            Task(
                domain="translation",
                source=FORMAT,
                name=problem.name,
                prompt=problem.prompt.rstrip() + "\n",
                entry_point=problem.function,
                reference=item["source"],
                tests=tuple(t["driver"] for t in item["tests"]),
                setup=item["header"],
                meta={
                    "format": FORMAT,
                    "problem_type": problem.problem_type,
                    "prelude": item["prelude"],
                    "language": "cpp",
                },
            )
        )
    return tasks
