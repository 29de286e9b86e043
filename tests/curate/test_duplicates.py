"""Duplicates are judged on responses within a problem: distinct solutions of tasks whose long
prompts share boilerplate all stay (docstrings, contest statements), a near-duplicate prompt is
noted on its task's rows and drops nothing, and a copied solution is dropped only under the
same prompt."""

from __future__ import annotations

from pathlib import Path

from assay.flows.curate import CurateConfig, curate_dataset
from assay.flows.curate.decide import Row, decide
from assay.schemas.query import query, read_records
from assay.schemas.records import Curation, Decision, Sample
from assay.schemas.store import Store

BOILERPLATE = (
    "You are given a list of integers called values. The list may be empty, and it may hold "
    "negative numbers, zeros and repeated numbers in any order. Your function must not modify "
    "the list it is given, must not print anything, must not read any input, and must not use "
    "any global state; it should run in time linear in the length of the list (or n log n at "
    "worst) and use at most linear extra memory. Do not import anything beyond the standard "
    "library. Type hints are required on the signature, as shown. Your solution will be checked "
    "by hidden tests, including the empty list, a list of one element, a list of one million "
    "elements, and lists with the smallest and largest integers Python can hold on this "
    "machine. "
)
TASKS = {
    "totals": (
        "def running_totals(values: list[int]) -> list[int]:",
        "Return the running totals of values: the i-th element of the result is the sum of the "
        "first i + 1 elements of values, so the result has as many elements as values and its "
        "last element is the sum of all of them.",
    ),
    "maxima": (
        "def running_maxima(values: list[int]) -> list[int]:",
        "Return the running maxima of values: the i-th element of the result is the largest of "
        "the first i + 1 elements of values, so the result never decreases and its last element "
        "is the largest element of the whole list.",
    ),
    "distinct": (
        "def count_distinct(values: list[int]) -> int:",
        "Return how many different numbers occur in values: each number counts once however "
        "often it is repeated, so a list whose elements are all equal gives one and the empty "
        "list gives zero.",
    ),
}
SOLUTIONS = {
    "totals": [
        "def running_totals(values):\n    out = []\n    total = 0\n    for value in values:\n"
        "        total += value\n        out.append(total)\n    return out\n",
        "import itertools\n\n\ndef running_totals(values):\n"
        "    return list(itertools.accumulate(values))\n",
        "def running_totals(values):\n    out, i, acc = [], 0, 0\n    while i < len(values):\n"
        "        acc = acc + values[i]\n        out.append(acc)\n        i += 1\n    return out\n",
    ],
    "maxima": [
        "def running_maxima(values):\n    out = []\n    best = None\n    for value in values:\n"
        "        best = value if best is None or value > best else best\n"
        "        out.append(best)\n    return out\n",
        "import itertools\n\n\ndef running_maxima(values):\n"
        "    return list(itertools.accumulate(values, max))\n",
        "def running_maxima(values):\n    out, i = [], 0\n    while i < len(values):\n"
        "        out.append(values[i] if not out else max(out[-1], values[i]))\n"
        "        i += 1\n    return out\n",
    ],
    "distinct": [
        "def count_distinct(values):\n    return len(set(values))\n",
        "def count_distinct(values):\n    seen = {}\n    for value in values:\n"
        "        seen[value] = True\n    return len(seen)\n",
        "def count_distinct(values):\n    ordered = sorted(values)\n    count = 0\n"
        "    for i, value in enumerate(ordered):\n"
        "        if i == 0 or value != ordered[i - 1]:\n            count += 1\n    return count\n",
    ],
}


def _docstring_prompt(name: str) -> str:
    signature, ask = TASKS[name]
    return f'{signature}\n    """{BOILERPLATE}{ask}\n    """\n'


def _rows(prompts: dict[str, str], solutions: dict[str, list[str]], **kw: int) -> list[Row]:
    fields = {"checks": 5, "attempts": 3, "passes": 3} | kw
    return [
        Row(f"s-{task}-{k}", f"t-{task}", "code", prompts[task], text, "trusted_tests", **fields)
        for task, texts in solutions.items()
        for k, text in enumerate(texts)
    ]


def _decide(rows: list[Row], config: CurateConfig | None = None) -> dict[str, Curation]:
    out = decide("pass", rows, config or CurateConfig(), lambda r: None)
    return {d.sample_id: d for d in out}


def test_distinct_solutions_of_tasks_sharing_docstring_boilerplate_are_all_kept() -> None:
    prompts = {name: _docstring_prompt(name) for name in TASKS}
    assert all(len(p.split()) >= 150 for p in prompts.values())
    out = _decide(_rows(prompts, SOLUTIONS))
    assert [d.decision for d in out.values()].count(Decision.KEEP) == 9, {
        k: (d.decision.value, d.matched) for k, d in out.items() if d.decision != Decision.KEEP
    }


STATEMENT = (
    "{story}\n\nInput\n\nThe first line contains a single integer n (1 <= n <= 2 * 10^5), the "
    "number of elements. The second line contains n integers a_1, a_2, ..., a_n "
    "(-10^9 <= a_i <= 10^9), the elements of the array. It is guaranteed that the sum of n "
    "over all test cases does not exceed 2 * 10^5.\n\nOutput\n\nPrint a single integer: {ask}"
    "\n\nExamples\n\nInput\n\n5\n3 1 4 1 5\n\nOutput\n\n{answer}\n\nNote\n\nIn the first "
    "example the array is [3, 1, 4, 1, 5]. Time limit: 1 second. Memory limit: 256 megabytes."
)
CONTEST = {
    "sum": STATEMENT.format(
        story="Polycarp keeps a ledger of the money he earned and spent on each day of the "
        "holidays. A positive number is money earned, a negative one money spent. He wants to "
        "know how much money he has gained over the whole holidays together.",
        ask="the total of all the elements.",
        answer="14",
    ),
    "max": STATEMENT.format(
        story="Monocarp measured the height of every tree along the road to school. He wants to "
        "climb the tallest tree he saw to look over the town, and before he sets out he needs "
        "to know how tall that tree is, so that he can take a long enough rope.",
        ask="the largest of the elements.",
        answer="5",
    ),
    "distinct": STATEMENT.format(
        story="Vasya collects stickers, and every sticker has a number printed on it. Many of his "
        "stickers repeat. He wants to know how many different kinds of stickers he already has, "
        "to tell his friends how close he is to a complete collection.",
        ask="the number of different values among the elements.",
        answer="4",
    ),
    "altitude": STATEMENT.format(
        story="A hiker writes down how much the path climbed or fell on each stretch of her "
        "walk, in metres: a positive number is a climb and a negative one a descent. She starts "
        "at the sea shore and wants to know at what altitude her walk ended.",
        ask="the altitude at the end of the walk, starting from zero.",
        answer="14",
    ),
}
READ = "n = int(input())\na = list(map(int, input().split()))\n"
CONTEST_SOLUTIONS = {
    "sum": [
        READ + "print(sum(a))\n",
        READ + "total = 0\nfor x in a:\n    total += x\nprint(total)\n",
        "import sys\n\ndata = sys.stdin.read().split()\nprint(sum(int(t) for t in data[1:]))\n",
    ],
    "max": [
        READ + "print(max(a))\n",
        READ + "best = a[0]\nfor x in a[1:]:\n    if x > best:\n        best = x\nprint(best)\n",
        READ + "a.sort()\nprint(a[-1])\n",
    ],
    "distinct": [
        READ + "print(len(set(a)))\n",
        READ + "seen = {}\nfor x in a:\n    seen[x] = 1\nprint(len(seen))\n",
        READ + "a.sort()\nprint(1 + sum(a[i] != a[i - 1] for i in range(1, n)))\n",
    ],
}


def test_distinct_solutions_of_contest_statements_sharing_their_boilerplate_are_kept() -> None:
    statements = {k: CONTEST[k] for k in CONTEST_SOLUTIONS}
    out = _decide(_rows(statements, CONTEST_SOLUTIONS))
    assert [d.decision for d in out.values()].count(Decision.KEEP) == 9, {
        k: (d.decision.value, d.matched) for k, d in out.items() if d.decision != Decision.KEEP
    }
    assert {d.same_prompt_as for d in out.values()} == {""}


def test_a_near_duplicate_prompt_is_noted_and_only_a_copy_under_the_same_prompt_dropped() -> None:
    reworded = CONTEST["sum"].replace("Polycarp", "Polikarp").replace("ledger", "notebook")
    prompts = {"sum": CONTEST["sum"], "sum-again": reworded, "max": CONTEST["max"]}
    solutions = {
        "sum": CONTEST_SOLUTIONS["sum"][:2],
        "sum-again": [CONTEST_SOLUTIONS["sum"][0], CONTEST_SOLUTIONS["sum"][2]],  # one copied
        "max": CONTEST_SOLUTIONS["max"][:1],
    }
    out = _decide(_rows(prompts, solutions))
    assert all(d.decision == Decision.KEEP for d in out.values())  # a note, never a drop
    assert out["s-sum-again-0"].same_prompt_as == out["s-sum-again-1"].same_prompt_as == "t-sum"
    assert out["s-sum-0"].same_prompt_as == out["s-max-0"].same_prompt_as == ""
    # The same prompt under another task id (another source) is one problem: a copy goes.
    same = _decide(_rows(prompts | {"sum-again": CONTEST["sum"] + "\n"}, solutions))
    assert same["s-sum-again-0"].decision == Decision.EXACT_DUPLICATE
    assert same["s-sum-again-0"].matched == "s-sum-0"
    assert same["s-sum-again-1"].decision == Decision.KEEP  # its own way of solving it stays
    assert same["s-sum-again-1"].same_prompt_as == "t-sum"
    # Without near dedup only the same prompt is noted.
    exact_only = CurateConfig(near={"enabled": False})
    assert _decide(_rows(prompts, solutions), exact_only)["s-sum-again-0"].same_prompt_as == ""


def test_the_same_response_to_different_problems_is_kept_for_each() -> None:
    """A training pair is a prompt and its response: the same code answering two different
    questions is two pairs, and only a repeat within one problem is a duplicate."""
    prompts = {"sum": CONTEST["sum"], "altitude": CONTEST["altitude"]}
    same = READ + "print(sum(a))\n"
    out = _decide(_rows(prompts, {"sum": [same, same + "\n# again\n"], "altitude": [same]}))
    assert out["s-sum-0"].decision == Decision.KEEP
    assert out["s-sum-1"].decision == Decision.EXACT_DUPLICATE
    assert out["s-altitude-0"].decision == Decision.KEEP
    assert out["s-altitude-0"].same_prompt_as == ""


def test_a_pass_records_the_note_and_curation_written_before_the_column_still_reads(
    tmp_path: Path,
) -> None:
    import pyarrow.parquet as pq

    dataset = tmp_path / "ds"
    store = Store(dataset)
    reworded = CONTEST["sum"].replace("Polycarp", "Polikarp").replace("ledger", "notebook")
    samples = [
        Sample(f"t-{k}", f"c-{k}", "code", prompt, CONTEST_SOLUTIONS["sum"][i], level="simulation")
        for i, (k, prompt) in enumerate({"a": CONTEST["sum"], "b": reworded}.items())
    ]
    store.write(store.prepare("select/run-1", {"samples": samples}, run_id="run-1"))
    curate_dataset(dataset, CurateConfig())
    found = query(dataset, "SELECT task_id, same_prompt_as FROM curation ORDER BY 1").to_pylist()
    assert found == [{"task_id": "t-a", "same_prompt_as": ""},
                     {"task_id": "t-b", "same_prompt_as": "t-a"}]  # fmt: skip
    (written,) = (dataset / "commits").glob("*/curation.parquet")
    pq.write_table(pq.read_table(written).drop_columns(["same_prompt_as"]), written)
    assert query(dataset, "SELECT count(*) AS n FROM curation WHERE same_prompt_as IS NULL")[
        "n"
    ].to_pylist() == [2]
    assert {r.same_prompt_as for r in read_records(dataset, "curation")} == {""}
