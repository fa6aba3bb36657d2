"""Where a grading run's start-up goes: each process it starts, timed on its own.

A run starts the main process (``python -m autograder grade``), then per
worker a spawned interpreter that imports the grader and the checks, and a
zygote that imports the scientific stack and computes the sandbox's
allow-list. The worker starts its zygote first and imports the checks while
the zygote imports, so a worker is ready after the slower of the two.
"""

from __future__ import annotations

import statistics
import sys

from .report import Row, seconds
from .timing import ROOT, bench_env, run_timed

MAIN = [sys.executable, "-m", "autograder", "grade", "--help"]
WORKER = [sys.executable, "-c", "from autograder.routes.batch import all_slugs, checks_for\n"
          "for slug in all_slugs(): checks_for(slug)"]
ZYGOTE = [sys.executable, "-c", "from autograder.sandbox import Zygote\nZygote().close()"]
PLOTTING = [sys.executable, "-c", "import matplotlib.figure, matplotlib.backends.backend_agg"]


def _median(command: list[str], repeats: int) -> float:
    return statistics.median(run_timed(command, cwd=ROOT, env=bench_env())[0] for _ in range(repeats))


def run(repeats: int) -> list[Row]:
    parts = [
        ("the main process: `python -m autograder grade --help`", MAIN,
         "imports only the grade verb (release and export pull in nbformat)"),
        ("a worker: the grader and every check imported", WORKER, "one per --jobs"),
        ("a zygote: started and ready to fork", ZYGOTE,
         "one per worker: imports numpy, scipy, matplotlib.pyplot, then computes the allow-list"),
        ("summary.png's plotting imports", PLOTTING, "in the main process, in the background while workers grade"),
    ]
    rows = []
    for measure, command, note in parts:
        rows.append(Row("start-up profile", measure, seconds(_median(command, repeats)),
                        note=f"median of {repeats} fresh processes; {note}"))
    return rows
