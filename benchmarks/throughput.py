"""Grading throughput: ``python -m autograder grade`` against nbgrader and otter-grader on one cohort.

Everything is timed in one run on the same generated students (``cohort.py``),
with the 1-minute load average read just before each timing:

* a bare scientific-Python start (the unit the targets are written in);
* one student (a cohort of one), and the start-up: seconds from the command
  to its first graded student;
* the batch grader at each N, with the check memo off (no check outcome is
  reused from an earlier student whose replies were the same: the figure to
  report; the references' answers on the checks' fixed inputs are remembered
  either way, as they would be for any real cohort) and, at the smallest N, on;
* the baselines of ``baselines.py`` on the first students of the cohort,
  extrapolated to the largest N where a full run would take too long.
"""

from __future__ import annotations

import csv
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import baselines, cohort, hand_tests
from .report import Row, seconds
from .timing import ROOT, bench_env, repeat_command, run_watched

BARE_IMPORTS = "import numpy, scipy.stats, scipy.optimize, matplotlib.pyplot"
#: Wraps a command to report the largest resident set of it and its descendants (bytes on Linux: kB).
#: A subreaper, so the workers' forkserver, which outlives the command by a moment, is waited for too.
MAX_RSS = ("import ctypes, os, resource, subprocess, sys\n"
           "ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER\n"
           "code = subprocess.call(sys.argv[1:])\n"
           "while True:\n"
           "    try:\n        os.wait()\n"
           "    except ChildProcessError:\n        break\n"
           "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(code)")

#: The batch grader's first progress line: "[1/1]", "[ 1/20]", "[  1/400]".
FIRST_GRADED = r"\[ *1/\d+\]"

# The project's speed goals, in units of a bare start or of the batch grader's time.
SECTION_NBGRADER, SECTION_OTTER, COURSE_NBGRADER = 50, 100, 50
COURSE_PER_STUDENT, ONE_STUDENT, START_UP, MEMORY_MB = 0.25, 2.0, 1.5, 300


@dataclass
class Run:
    """One ``python -m autograder grade`` run."""

    wall: float
    first: float  # seconds to the first graded student
    graded: int
    rss_mb: float
    load: float
    points: dict[tuple[str, str], float]  # (student, exercise) -> points


def load() -> float:
    return os.getloadavg()[0]


def startup_seconds(repeats: int) -> tuple[float, float]:
    """Median wall time of a fresh interpreter importing the scientific stack, and the load before."""
    before = load()
    return repeat_command([sys.executable, "-c", BARE_IMPORTS], repeats, cwd=ROOT).median, before


def grade_cohort(submissions: Path, out: Path, jobs: int, *, memo: bool) -> Run:
    command = [sys.executable, "-c", MAX_RSS, sys.executable, "-m", "autograder", "grade",
               str(submissions), "--out", str(out), "--jobs", str(jobs), "--progress", "lines", "--force"]
    for slug in hand_tests.SLUGS:
        command += ["--exercise", slug]
    env = bench_env() if memo else bench_env(AUTOGRADER_CHECK_MEMO="0")
    before = load()
    first, wall, _, stderr = run_watched(command, FIRST_GRADED, cwd=ROOT, env=env)
    with open(out / "grades.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    points = {(r["student"], slug): float(r[slug] or 0) for r in rows for slug in hand_tests.SLUGS}
    rss_kb = int(stderr.strip().splitlines()[-1])
    return Run(wall, first, len(rows), rss_kb / 1024, before, points)


def _median_run(runs: list[Run]) -> Run:
    return sorted(runs, key=lambda r: r.wall)[len(runs) // 2]


def _ratio(x: float, y: float) -> str:
    return f"{x / y:.2f}x" if x / y < 10 else f"{x / y:.0f}x"


def mistakes_passed(files: list[cohort.StudentFile], points: dict[tuple[str, str], float], full: dict[str, float],
                    students: list[str]) -> str:
    """How many exercise files of ``students`` holding a classic mistake still got full marks."""
    wrong = [f for f in files if f.kind == "mutant" and f.student in students]
    passed = sum(1 for f in wrong if points.get((f.student, f.slug), 0.0) >= full[f.slug] - 1e-9)
    return f"{passed} of the {len(wrong)} files with a classic mistake got full marks"


def full_marks() -> tuple[dict[str, float], dict[str, float]]:
    """Points of a perfect file per exercise: in the batch grader, and in the hand-written tests."""
    from autograder.core.grading import max_points

    return ({slug: max_points(slug) for slug in hand_tests.SLUGS},
            {slug: float(len(hand_tests.TESTS[slug])) for slug in hand_tests.SLUGS})


def run(sizes: list[int], jobs: int, sample: int, otter_sample: int, own_sample: int, startup_repeats: int,
        notes: list[str], one_repeats: int = 3, rows: list[Row] | None = None, checkpoint=lambda: None) -> list[Row]:
    """Append every row to ``rows`` and call ``checkpoint()`` after each timing (a long run that
    is stopped keeps what it measured)."""
    rows = [] if rows is None else rows
    bare, bare_load = startup_seconds(startup_repeats)
    rows.append(Row("start-up", "bare `python -c \"" + BARE_IMPORTS + "\"`", seconds(bare),
                    note=f"median of {startup_repeats} fresh interpreters; load {bare_load:.1f} before"))
    small, large = min(sizes), max(sizes)
    files = [f for f in cohort.choose(large) if f.slug in hand_tests.SLUGS]
    notes.append("Cohort (N = " + str(large) + "): " + ", ".join(f"{v} {k}" for k, v in sorted(cohort.mix(files).items()))
                 + " exercise files of " + ", ".join(hand_tests.SLUGS) + "; correct files are the reference or a "
                 "correct alternative, mistakes are the mutants of tests/variants/.")
    ours: dict[int, Run] = {}
    with tempfile.TemporaryDirectory(prefix="bench-cohort-") as scratch_name:
        scratch = Path(scratch_name)
        one = cohort.write_python([f for f in files if f.student == "student_0000"], scratch / "py-1")
        print("  one student ...", flush=True)
        singles = [grade_cohort(one, scratch / "out-1", jobs, memo=False) for _ in range(one_repeats)]
        single = _median_run(singles)
        rows.append(Row("start-up", "`python -m autograder grade`, a cohort of one",
                        f"{seconds(single.wall)} ({single.wall / bare:.2f} x bare)", f"<= {ONE_STUDENT:g} x bare",
                        single.wall <= ONE_STUDENT * bare,
                        note=f"median of {one_repeats}; load {single.load:.1f} before; first graded at "
                             f"{seconds(single.first)}, the rest is the gradebook, summary.md and summary.png"))
        checkpoint()
        for n in sorted(sizes):
            if n == 1:  # the cohort of one, already timed the same way
                submissions, ours[n] = one, single
            else:
                chosen = [f for f in files if int(f.student.split("_")[1]) < n]
                submissions = cohort.write_python(chosen, scratch / f"py-{n}")
                print(f"  N = {n}, check memo off ...", flush=True)
                ours[n] = grade_cohort(submissions, scratch / f"out-{n}", jobs, memo=False)
            r = ours[n]
            rows.append(Row("batch grader", f"`python -m autograder grade --jobs {jobs}`, N = {n}, check memo off",
                            f"{seconds(r.wall / n)} / student ({seconds(r.wall)} total)",
                            note=f"{r.graded} students in grades.csv; largest process {r.rss_mb:.0f} MB; "
                                 f"load {r.load:.1f} before"))
            if n == small:
                rows.append(Row("start-up", f"first graded student, N = {n}, --jobs {jobs}",
                                f"{seconds(r.first)} ({r.first / bare:.2f} x bare)", f"<= {START_UP:g} x bare",
                                r.first <= START_UP * bare,
                                note="seconds from the command to its first progress line: workers and "
                                     "zygotes started and the first student graded"))
                print(f"  N = {n}, check memo on ...", flush=True)
                memo = grade_cohort(submissions, scratch / f"out-{n}-memo", jobs, memo=True)
                rows.append(Row("batch grader", f"same, N = {n}, check memo on",
                                f"{seconds(memo.wall / n)} / student ({seconds(memo.wall)} total)",
                                note=f"load {memo.load:.1f} before; a generated cohort is the memo's best case"))
            shutil.rmtree(scratch / f"out-{n}", ignore_errors=True)
            checkpoint()
        top = ours[large]
        rows.append(Row("batch grader", f"seconds per student / bare start-up, N = {large}, memo off",
                        f"{top.wall / large / bare:.2f}", f"<= {COURSE_PER_STUDENT:g}",
                        top.wall / large <= COURSE_PER_STUDENT * bare))
        rows.append(Row("batch grader", f"largest process, N = {large}", f"{top.rss_mb:.0f} MB",
                        f"< {MEMORY_MB} MB", top.rss_mb < MEMORY_MB))
        if sample > 0:
            _baseline_rows(scratch, files, sample, otter_sample, own_sample, ours, notes, rows, checkpoint)
    return rows


def _baseline_rows(scratch: Path, files, sample: int, otter_sample: int, own_sample: int, ours: dict[int, Run],
                   notes: list[str], rows: list[Row], checkpoint) -> list[Row]:
    small, large = min(ours), max(ours)
    students = sorted({f.student for f in files})[:sample]
    section = ours[small].wall / small
    course = ours[large].wall / large

    def extrapolated(timed: baselines.Timed) -> str:
        return "" if timed.students >= large else \
            f"; timed on the first {timed.students} students: {seconds(timed.per_student * large)} extrapolated to N = {large}"

    hand_total = float(sum(len(t) for t in hand_tests.TESTS.values()))
    ours_full, hand_full = full_marks()
    notebooks = len(hand_tests.SLUGS)

    def where(probe, timed: baselines.Timed) -> str:
        return probe.text(timed.per_student / notebooks, timed.students * notebooks)

    print(f"  nbgrader autograde, conventional course, {len(students)} students ...", flush=True)
    timed = baselines.conventional_nbgrader(scratch, files, students)
    conventional = timed
    rows.append(Row("baseline", "`nbgrader autograde`, a conventional course (one hidden `assert_allclose` "
                    f"test per function, {hand_total:.0f} tests), in its own environment",
                    f"{seconds(timed.per_student)} / student ({seconds(timed.wall)} for {timed.students})",
                    note=f"load {timed.load:.1f} before{extrapolated(timed)}; "
                         + mistakes_passed(files, timed.points, hand_full, students) + "; "
                         + where(baselines.conventional_breakdown(), timed)))
    rows.append(Row("ratio", f"conventional nbgrader / batch grader, N = {small}",
                    _ratio(timed.per_student, section), f">= {SECTION_NBGRADER}x",
                    timed.per_student >= SECTION_NBGRADER * section))
    if large > small:
        rows.append(Row("ratio", f"conventional nbgrader / batch grader, N = {large}",
                        _ratio(timed.per_student, course), f">= {COURSE_NBGRADER}x",
                        timed.per_student >= COURSE_NBGRADER * course,
                        note="nbgrader's seconds per student do not fall with N (one kernel per notebook, in turn)"
                        if timed.students < large else ""))
    checkpoint()
    if otter_sample > 0:
        graded = students[:otter_sample]
        print(f"  otter run, {len(graded)} students x {len(hand_tests.SLUGS)} notebooks ...", flush=True)
        timed = baselines.otter(scratch, files, graded)
        rows.append(Row("baseline", "`otter run` per notebook, an otter-grader assignment (the same tests), "
                        "in its own environment",
                        f"{seconds(timed.per_student)} / student ({seconds(timed.wall)} for {timed.students})",
                        note=f"load {timed.load:.1f} before{extrapolated(timed)}; "
                             + mistakes_passed(files, timed.points, hand_full, graded) + "; "
                             + where(baselines.otter_breakdown(), timed)))
        rows.append(Row("ratio", f"otter run / batch grader, N = {small}", _ratio(timed.per_student, section),
                        f">= {SECTION_OTTER}x", timed.per_student >= SECTION_OTTER * section))
        if large > small:
            rows.append(Row("ratio", f"otter run / batch grader, N = {large}", _ratio(timed.per_student, course),
                            f">= {SECTION_OTTER}x", timed.per_student >= SECTION_OTTER * course))
    checkpoint()
    if own_sample > 0:
        own = students[:own_sample]
        print(f"  nbgrader autograde, this project's notebooks, {len(own)} students ...", flush=True)
        timed = baselines.own_nbgrader(scratch, files, own)
        rows.append(Row("this project", "`nbgrader autograde` of this project's notebooks (confined kernels; "
                        "hidden cells graded by this grader in nbgrader's process)",
                        f"{seconds(timed.per_student)} / student ({seconds(timed.wall)} for {timed.students})",
                        note=f"load {timed.load:.1f} before; the same {notebooks} exercises as the peers; "
                             + where(baselines.own_breakdown(), timed)))
        rows.append(Row("ratio", "this project's nbgrader route / the conventional nbgrader course, per student",
                        f"{timed.per_student / conventional.per_student:.2f}", "<= 1",
                        timed.per_student <= conventional.per_student))
    checkpoint()
    notes.append(f"Grades of the first {len(students)} students: in the batch grader, "
                 + mistakes_passed(files, ours[small].points, ours_full, students) + ".")
    return rows
