"""Where a grading run's start-up goes: each process it starts, timed on its own.

A run starts the main process (``python -m autograder grade``), then, at the
same time, one zygote (it imports the scientific stack and reads the sandbox's
allow-list, cached on disk after the first run) and one forkserver that imports
the grader and the checks; the workers are forked from that server, warm, and
all fork their students' children from the one zygote.
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
        ("a worker: the grader and every check imported", WORKER,
         "once per run, in the forkserver the workers are forked from"),
        ("a zygote: started and ready to fork", ZYGOTE,
         "one per run, shared by the workers: imports numpy, scipy, matplotlib.pyplot; the allow-list "
         "comes from the on-disk cache (SymPy is imported before the first child that uses it)"),
        ("summary.png's plotting imports", PLOTTING, "in the main process, in the background while workers grade"),
    ]
    rows = []
    for measure, command, note in parts:
        rows.append(Row("start-up profile", measure, seconds(_median(command, repeats)),
                        note=f"median of {repeats} fresh processes; {note}"))
    return rows
