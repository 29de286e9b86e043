"""Checker programs (testlib's convention) and the rest of the judge: many right answers, a
checker failure is never a pass, Java classes named anything, goroutines, a compiler bomb, the
build cache, and a toolchain's version in each verdict's provenance."""

from __future__ import annotations

from dataclasses import replace

import pytest
from programs import SUM, needs

from assay.schemas.records import Status
from assay.verifiers.batch import stamped
from assay.verifiers.program.build import BuildCache
from assay.verifiers.program.judge import CheckerProgram, judge, run_limits
from assay.verifiers.program.verifier import ProgramItem, ProgramVerifier
from assay.verifiers.python.stdio import IOTest
from assay.verifiers.sandbox import Limits

LIMITS = run_limits(2.0, 256)
# Print two positive numbers that sum to N: many right answers; the answer file holds one.
TWO = [IOTest("5\n", "2 3\n"), IOTest("9\n", "4 5\n")]
CHECKER = CheckerProgram(
    "cpp",
    "#include <fstream>\nint main(int argc, char** argv) {\n"
    "  std::ifstream in(argv[1]), out(argv[2]), ans(argv[3]); long n, a, b;\n"
    "  in >> n; if (!(out >> a >> b)) return 2;\n"
    "  return (a > 0 && b > 0 && a + b == n) ? 0 : 1; }\n",
)
ONE_FIRST = "n = int(input())\nprint(1, n - 1)\n"
ONE_LAST = "n = int(input())\nprint(n - 1, 1)\n"


def test_a_checker_program_accepts_every_right_answer_and_names_a_wrong_one(box, cache) -> None:
    needs("cpp")
    for code in (ONE_FIRST, ONE_LAST):
        verdict = judge("x", "python", code, TWO, box, LIMITS, cache, CHECKER)
        assert verdict.status is Status.PASS, verdict.outcomes
        assert verdict.evidence["checker"] == CHECKER.name
    assert judge("x", "python", ONE_FIRST, TWO, box, LIMITS, cache).status is Status.FAIL
    wrong = judge("x", "python", "input()\nprint(1, 1)\n", TWO, box, LIMITS, cache, CHECKER)
    assert wrong.status is Status.FAIL and wrong.outcomes[0].detail.startswith("wrong answer")
    junk = judge("x", "python", "print('no')\n", TWO, box, LIMITS, cache, CHECKER)
    assert junk.status is Status.FAIL and junk.outcomes[0].detail.startswith("presentation error")


@pytest.mark.parametrize(
    "broken",
    [
        "int main() { return 3; }\n",  # testlib's "fail": the checker itself is wrong
        "#include <cstdlib>\nint main() { abort(); }\n",
        "int main() { for (;;) { } }\n",
        "int main() { return x; }\n",  # does not build
    ],
)
def test_a_checker_that_fails_makes_an_error_never_a_pass(box, cache, broken) -> None:
    needs("cpp")
    checker, quick = CheckerProgram("cpp", broken), Limits(wall_s=3, cpu_s=1, memory_mb=256)
    verdict = judge("x", "python", ONE_FIRST, TWO[:1], box, LIMITS, cache, checker, 1e-6, quick)
    assert verdict.status is Status.ERROR, verdict


@pytest.mark.parametrize(
    "code",
    [
        "import java.util.*;\nclass Helper { static long add(long a, long b) { return a + b; } }\n"
        "public final class Solution { public static void main(String[] x) {\n"
        "  Scanner s = new Scanner(System.in); // public class Main in a comment\n"
        "  System.out.println(Helper.add(s.nextLong(), s.nextLong())); } }\n",
        "import java.util.*;\nclass A { public static void main(String[] x) {\n"
        "  Scanner s = new Scanner(System.in);\n"
        "  System.out.println(s.nextLong() + s.nextLong()); } }\n",
    ],
)
def test_a_java_class_may_be_named_anything(box, cache, code) -> None:
    needs("java")
    verdict = judge("j", "java", code, [IOTest("1 2", "3")], box, LIMITS, cache)
    assert verdict.status is Status.PASS, verdict


def test_goroutines_run_and_end_with_their_program(box, cache) -> None:
    needs("go")
    code = (
        'package main\nimport ("fmt"; "sync")\nfunc main() {\n'
        "  var wg sync.WaitGroup; sums := make([]int, 64)\n"
        "  for g := 0; g < 64; g++ {\n"
        "    wg.Add(1); go func(g int) { defer wg.Done(); sums[g] = g }(g) }\n"
        "  go func() { for { } }()  // left spinning: dies with the program\n"
        "  wg.Wait(); t := 0; for _, s := range sums { t += s }; fmt.Println(t) }\n"
    )
    verdict = judge("g", "go", code, [IOTest("", "2016")], box, LIMITS, cache)
    assert verdict.status is Status.PASS, verdict


def test_a_compiler_bomb_is_stopped_by_the_compilers_limits(box) -> None:
    needs("cpp")
    small = BuildCache(limits=Limits(wall_s=4, cpu_s=3, memory_mb=256, nproc=64, nofile=256))
    bomb = (
        "#define A(x) x x x x x x x x x x\n#define B(x) A(A(A(A(x))))\n"
        "int main() { B(B(B(;))) return 0; }\n"
    )
    verdict = judge("b", "cpp", bomb, [IOTest("", "")], box, LIMITS, small)
    assert verdict.status is Status.COMPILE_ERROR
    assert "the compiler ran out of" in verdict.stderr_tail
    for device in ("/dev/zero", "/dev/urandom", "/dev/stdin"):  # endless or not readable
        verdict = judge(
            "i", "cpp", f"#include <{device}>\nint main() {{}}\n", [], box, LIMITS, small
        )
        assert verdict.status is Status.COMPILE_ERROR, verdict
    flood = "int main() { " + "x" * 20 + "; " + "y +;" * 20000 + " }\n"  # errors by the thousand
    verdict = judge("f", "cpp", flood, [IOTest("", "")], box, LIMITS, small)
    assert verdict.status is Status.COMPILE_ERROR and len(verdict.stderr_tail) <= 4000


def test_a_program_is_built_once_for_every_test_and_recheck(box) -> None:
    needs("cpp")
    cache = BuildCache()
    tests = [IOTest(f"{i} {i}", str(2 * i)) for i in range(4)]
    first = judge("c", "cpp", SUM["cpp"], tests, box, LIMITS, cache)
    again = judge("c", "cpp", SUM["cpp"], tests, box, LIMITS, cache)
    assert first.status is again.status is Status.PASS
    assert (first.evidence["cached"], again.evidence["cached"]) == (False, True)
    assert (cache.builds, cache.hits) == (1, 1)


def test_a_new_toolchain_makes_a_new_verdict(box) -> None:
    needs("cpp")
    verifier = ProgramVerifier()
    item = ProgramItem(
        id="p", language="cpp", code=SUM["cpp"], tests=[{"stdin": "1 2", "stdout": "3"}]
    )
    limits = Limits(wall_s=5, cpu_s=2, memory_mb=256)
    verdict = verifier.check(item, box, limits)
    provenance = verdict.evidence["provenance"]
    assert provenance["toolchain"].startswith("g++ ") and provenance["language"] == "cpp"
    newer = replace(
        verdict,
        evidence={**verdict.evidence, "provenance": {**provenance, "toolchain": "g++ 99.1.0"}},
    )
    assert stamped(verdict, verifier, None, limits).id != stamped(newer, verifier, None, limits).id
    assert (
        stamped(verdict, verifier, None, limits).id == stamped(verdict, verifier, None, limits).id
    )
