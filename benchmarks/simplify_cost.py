"""What ``simplify`` costs per derivations submission: the reference, the student work, the mutants.

    python -m benchmarks.simplify_cost            # reference, tests/student_work/derivations, mutants
    python -m benchmarks.simplify_cost --quick    # the reference and two student files
    python -m benchmarks.simplify_cost --cold     # forget proven pairs between submissions

Numbers decide equality (``equivalence``); ``simplify`` only confirms an equal
answer under a time bound of ``SIMPLIFY_SECONDS`` per comparison and
``SIMPLIFY_BUDGET`` per submission, so its cost is the price of the
confirmation. Each submission is graded whole, in one warm grading process,
as the batch grader grades it; the first line is the cold one. A worker
remembers the pairs ``simplify`` has proven equal, so the students after the
first mostly pay nothing (and the check memo replays the checks whose replies
it has seen); ``--cold`` forgets the pairs before each submission and turns
the memo off, which is what one submission costs on its own.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "tests" / "student_work" / "derivations"


@dataclass
class Cost:
    name: str
    points: float
    max_points: float
    calls: int
    timeouts: int
    simplify: float
    seconds: float


def submissions(quick: bool = False) -> list[tuple[str, str]]:
    from autograder.core.manifest import exercise

    out = [("reference", exercise("derivations").solution_path.read_text())]
    files = sorted(WORK.glob("*.py"))
    out += [(f"student_work/{p.name}", p.read_text()) for p in (files[:2] if quick else files)]
    if not quick:
        from tests.variants import apply
        from tests.variants.derivations import MUTANTS

        out += [(f"mutant: {m.name}", apply("derivations", m)) for m in MUTANTS]
    return out


def measure(named: list[tuple[str, str]], cold: bool = False) -> list[Cost]:
    from autograder.core import equivalence
    from autograder.core.grading import grade_module
    from autograder.sandbox import Zygote

    zygote = Zygote()
    costs = []
    try:
        with tempfile.TemporaryDirectory() as scratch:
            path = Path(scratch) / "derivations.py"
            for name, source in named:
                path.write_text(source)
                if cold:
                    equivalence._CONFIRMED.clear()
                log = equivalence.SIMPLIFY
                calls, timeouts, spent = log.calls, log.timeouts, log.seconds
                start = time.perf_counter()
                result = grade_module("derivations", path, zygote)
                costs.append(Cost(name, result.points, result.max_points, log.calls - calls,
                                  log.timeouts - timeouts, log.seconds - spent, time.perf_counter() - start))
    finally:
        zygote.close()
    return costs


def table(costs: list[Cost]) -> str:
    lines = ["| submission | points | simplify calls | timeouts | simplify s | grading s |",
             "| --- | --- | --- | --- | --- | --- |"]
    lines += [f"| {c.name} | {c.points:g} / {c.max_points:g} | {c.calls} | {c.timeouts} | {c.simplify:.2f} | "
              f"{c.seconds:.2f} |" for c in costs]
    spent = [c.simplify for c in costs]
    lines.append(f"\n{len(costs)} submissions: simplify {statistics.mean(spent):.2f} s on average, "
                 f"{max(spent):.2f} s at most; {sum(c.calls for c in costs)} calls, "
                 f"{sum(c.timeouts for c in costs)} timed out.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.simplify_cost", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the reference and two student files only")
    parser.add_argument("--cold", action="store_true", help="forget proven pairs between submissions")
    args = parser.parse_args(argv)
    if args.cold:
        os.environ["AUTOGRADER_CHECK_MEMO"] = "0"
    print(table(measure(submissions(args.quick), cold=args.cold)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
