"""What grading a derivations submission costs: the reference, the student work, the mutants.

    python -m benchmarks.derivation_cost            # reference, tests/student_work/derivations, mutants
    python -m benchmarks.derivation_cost --quick    # the reference and two student files
    python -m benchmarks.derivation_cost --cold     # forget remembered values between submissions

Equality is decided by values at random points in bounded arithmetic
(``equivalence``): its cost is counted in values computed and parts visited,
which are the same on every machine, and shown beside the seconds, which are
not. Each submission is graded whole, in one warm grading process, as the
batch grader grades it; the first line is the cold one. A worker remembers
the values of the reference and of its mistake models, so the students after
the first pay less; ``--cold`` forgets them before each submission and turns
the check memo off, which is what one submission costs on its own.
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
    values: int
    visits: int
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
                    equivalence._VALUES.clear()
                log = equivalence.COST
                values, visits = log.values, log.visits
                start = time.perf_counter()
                result = grade_module("derivations", path, zygote)
                costs.append(Cost(name, result.points, result.max_points, log.values - values,
                                  log.visits - visits, time.perf_counter() - start))
    finally:
        zygote.close()
    return costs


def table(costs: list[Cost]) -> str:
    lines = ["| submission | points | values computed | parts visited | grading s |",
             "| --- | --- | --- | --- | --- |"]
    lines += [f"| {c.name} | {c.points:g} / {c.max_points:g} | {c.values} | {c.visits} | {c.seconds:.2f} |"
              for c in costs]
    seconds = [c.seconds for c in costs]
    lines.append(f"\n{len(costs)} submissions: {statistics.mean(seconds):.2f} s on average, "
                 f"{max(seconds):.2f} s at most; {max(c.visits for c in costs)} parts visited at most.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.derivation_cost", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the reference and two student files only")
    parser.add_argument("--cold", action="store_true", help="forget remembered values between submissions")
    args = parser.parse_args(argv)
    if args.cold:
        os.environ["AUTOGRADER_CHECK_MEMO"] = "0"
    print(table(measure(submissions(args.quick), cold=args.cold)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
