"""Run the benchmarks, print the table, write benchmarks/results.md.

    python -m benchmarks                 # everything (make benchmark); tens of minutes
    python -m benchmarks --quick         # small sizes, a few minutes
    python -m benchmarks --only em --only latency

Benchmarks: throughput (batch grader vs a conventional nbgrader course and
otter-grader on the same students; one student; start-up; memory),
startup (each process a grading run starts, on its own),
latency (student pytest), em (reference EM vs scikit-learn), sandbox (cost
of fork + load and of the audit-hook guard).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from . import machine, report

NAMES = ("throughput", "startup", "latency", "em", "sandbox")
RESULTS = Path(__file__).resolve().parent / "results.md"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true",
                   help="small sizes and few repeats: proves the scripts work, numbers are rough")
    p.add_argument("--only", action="append", choices=NAMES, metavar="NAME",
                   help=f"run only this benchmark (repeatable): {', '.join(NAMES)}")
    p.add_argument("--sizes", type=lambda s: [int(n) for n in s.split(",")],
                   help="cohort sizes for throughput (default 20,400; --quick 4)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="--jobs of the batch grader (default: all cores)")
    p.add_argument("--nbgrader-sample", type=int,
                   help="students graded by the conventional nbgrader course and by otter run, extrapolated "
                        "to the largest size (default 20; --quick 1; 0 skips every baseline)")
    p.add_argument("--otter-sample", type=int,
                   help="students graded by otter run (default: the --nbgrader-sample)")
    p.add_argument("--own-sample", type=int,
                   help="students graded by nbgrader autograde of this project's notebooks (default 5; "
                        "--quick 1; 0 skips)")
    p.add_argument("--drop-caches", action="store_true",
                   help="latency: empty the file cache before each cold pytest run (root; slows the whole "
                        "machine for a moment)")
    p.add_argument("--em-n", type=int, help="points for the EM benchmark (default 1000000; --quick 20000)")
    p.add_argument("--results", type=Path, default=RESULTS,
                   help="where to write the markdown table (default benchmarks/results.md)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    quick = args.quick
    chosen = args.only or list(NAMES)
    facts = machine.describe()
    rows: list[report.Row] = []
    notes: list[str] = []
    started = time.perf_counter()
    command = "python -m benchmarks" + ("".join(f" {a}" for a in (argv if argv is not None else sys.argv[1:])))
    args.results.parent.mkdir(parents=True, exist_ok=True)

    def checkpoint() -> None:
        """Write what is measured so far: a run stopped part-way keeps its rows."""
        report.write_markdown(args.results, rows, facts, command.strip(),
                              notes + [f"Stopped part-way: {time.perf_counter() - started:.0f} s so far."])

    print("Machine: " + "; ".join(f"{k} {v}" for k, v in facts.items()), flush=True)
    for name in chosen:
        print(f"running {name} ...", flush=True)
        begin = time.perf_counter()
        if name == "throughput":
            from . import throughput

            sample = args.nbgrader_sample if args.nbgrader_sample is not None else (1 if quick else 20)
            own = args.own_sample if args.own_sample is not None else (1 if quick else 5)
            otter = args.otter_sample if args.otter_sample is not None else sample
            throughput.run(args.sizes or ([4] if quick else [20, 400]), args.jobs, sample,
                           min(otter, sample), min(own, sample), startup_repeats=1 if quick else 7, notes=notes,
                           one_repeats=1 if quick else 3, rows=rows, checkpoint=checkpoint)
        elif name == "startup":
            from . import startup_profile

            rows += startup_profile.run(repeats=1 if quick else 5)
        elif name == "latency":
            from . import latency

            rows += latency.run(warm_repeats=0 if quick else 3,
                                slugs=["gaussian_mle"] if quick else None, drop_caches=args.drop_caches)
        elif name == "em":
            from . import reference_em

            rows += reference_em.run(args.em_n or (20_000 if quick else 1_000_000),
                                     iterations=3 if quick else 10, repeats=1 if quick else 3)
        elif name == "sandbox":
            from . import sandbox_cost

            rows += sandbox_cost.run(repeats=1 if quick else 20, rounds=1 if quick else 3,
                                     alternations=1 if quick else 2)
        print(f"  {name}: {time.perf_counter() - begin:.0f} s", flush=True)
        checkpoint()
    notes.append(f"Whole run: {time.perf_counter() - started:.0f} s.")
    print()
    print(report.plain_table(rows))
    report.write_markdown(args.results, rows, facts, command.strip(), notes)
    print(f"\nwrote {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
