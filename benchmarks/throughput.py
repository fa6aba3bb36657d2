"""Grading throughput: ``python -m autograder grade`` against ``nbgrader autograde`` on one cohort,
and the overhead floor (seconds per submission over one bare interpreter start-up)."""

from __future__ import annotations

import csv
import json
import shutil
import sys
import tempfile
from pathlib import Path

from . import cohort
from .report import Row, seconds
from .timing import ROOT, bench_env, repeat_command, run_timed

BARE_IMPORTS = "import numpy, scipy.stats, scipy.optimize, matplotlib.pyplot"
#: Wraps a command to report the largest resident set of it and its descendants (bytes on Linux: kB).
MAX_RSS = ("import resource, subprocess, sys; code = subprocess.call(sys.argv[1:]); "
           "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(code)")


def startup_seconds(repeats: int) -> float:
    """Median wall time of a fresh interpreter importing the scientific stack (the floor of any
    design that starts one per submission)."""
    return repeat_command([sys.executable, "-c", BARE_IMPORTS], repeats, cwd=ROOT).median


def grade_cohort(submissions: Path, out: Path, jobs: int, *, memo: bool = True) -> tuple[float, int, int]:
    """Wall seconds, students in grades.csv and the largest process's RSS (kB)."""
    command = [sys.executable, "-c", MAX_RSS, sys.executable, "-m", "autograder", "grade",
               str(submissions), "--out", str(out), "--jobs", str(jobs), "--progress", "lines"]
    env = bench_env() if memo else bench_env(AUTOGRADER_CHECK_MEMO="0")
    wall, done = run_timed(command, cwd=ROOT, env=env)
    with open(out / "grades.csv", encoding="utf-8") as handle:
        graded = sum(1 for _ in csv.DictReader(handle))
    rss_kb = int(done.stderr.strip().splitlines()[-1])
    return wall, graded, rss_kb


def nbgrader_course(scratch: Path) -> tuple[Path, dict[str, dict]]:
    """A scratch nbgrader course: source/ copied, generate_assignment run; returns the
    course and the released notebooks (the students' starting point) by slug."""
    from autograder import notebooks, release

    course = scratch / "course"
    course.mkdir()
    released = release.generate_assignment(course)
    templates = {path.stem: json.loads(path.read_text(encoding="utf-8"))
                 for path in released.glob("*.ipynb")}
    return course, templates


def nbgrader_autograde(course: Path, assignment: str) -> float:
    """Wall seconds of ``nbgrader autograde`` over every student in ``submitted/``.

    Run from the repository root so that its nbgrader_config.py (the hidden
    cells' import path) applies; the course and gradebook are the scratch ones.
    """
    command = [sys.executable, "-m", "nbgrader", "autograde", assignment, "--create", "--force",
               f"--CourseDirectory.root={course}",
               f"--CourseDirectory.db_url=sqlite:///{course / 'gradebook.db'}"]
    wall, _ = run_timed(command, cwd=ROOT, env=bench_env())
    return wall


def _autograded_scores(course: Path, assignment: str, students: list[str]) -> int:
    """How many of ``students`` have every notebook autograded (a sanity check on the baseline)."""
    done = 0
    for student in students:
        folder = course / "autograded" / student / assignment
        if folder.is_dir() and len(list(folder.glob("*.ipynb"))) == 4:
            done += 1
    return done


def run(sizes: list[int], jobs: int, nbgrader_sample: int, startup_repeats: int,
        notes: list[str]) -> list[Row]:
    rows: list[Row] = []
    startup = startup_seconds(startup_repeats)
    rows.append(Row("overhead floor", "bare `python -c \"" + BARE_IMPORTS + "\"`", seconds(startup),
                    note=f"median of {startup_repeats} fresh interpreters"))
    per_submission: dict[int, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-cohort-") as scratch_name:
        scratch = Path(scratch_name)
        files = cohort.choose(max(sizes))
        mix = cohort.mix([f for f in files if int(f.student.split("_")[1]) < max(sizes)])
        notes.append("Cohort (largest N): " + ", ".join(f"{v} {k}" for k, v in sorted(mix.items()))
                     + " exercise files; correct files are the reference or a correct alternative, "
                       "mistakes are the mutants of tests/variants/.")
        for n in sizes:
            chosen = [f for f in files if int(f.student.split("_")[1]) < n]
            submissions = cohort.write_python(chosen, scratch / f"py-{n}")
            out = scratch / f"out-{n}"
            wall, graded, rss_kb = grade_cohort(submissions, out, jobs)
            per_submission[n] = wall / n
            print(f"  N = {n}: {wall:.0f} s", flush=True)
            rows.append(Row("grading throughput", f"`python -m autograder grade`, N = {n}, --jobs {jobs}",
                            f"{seconds(wall / n)} / submission ({seconds(wall)} total)",
                            note=f"{graded} students in grades.csv; largest process {rss_kb / 1024:.0f} MB"))
            shutil.rmtree(out, ignore_errors=True)
            if n == min(sizes):
                wall, graded, _ = grade_cohort(submissions, out, jobs, memo=False)
                rows.append(Row("grading throughput", f"same, N = {n}, check memo off",
                                f"{seconds(wall / n)} / submission ({seconds(wall)} total)",
                                note="AUTOGRADER_CHECK_MEMO=0: every check recomputes its reference "
                                     "and mistake models for every student"))
                shutil.rmtree(out, ignore_errors=True)
        best = min(per_submission.values())
        rows.append(Row("overhead floor", "seconds per submission / bare start-up",
                        f"{best / startup:.2f}", "<= 0.25", best / startup <= 0.25,
                        note="best N above; below 1 means cheaper than starting one interpreter per student"))
        if nbgrader_sample > 0:
            rows += _nbgrader_rows(scratch, files, nbgrader_sample, max(sizes), per_submission, notes)
    return rows


def _nbgrader_rows(scratch: Path, files, sample: int, n_max: int, per_submission: dict[int, float],
                   notes: list[str]) -> list[Row]:
    from autograder import notebooks

    course, templates = nbgrader_course(scratch)
    students = sorted({f.student for f in files})[:sample]
    chosen = [f for f in files if f.student in students]
    cohort.write_notebooks(chosen, templates, course / "submitted", notebooks.ASSIGNMENT)
    print(f"  nbgrader autograde on {len(students)} students ...", flush=True)
    wall = nbgrader_autograde(course, notebooks.ASSIGNMENT)
    graded = _autograded_scores(course, notebooks.ASSIGNMENT, students)
    per = wall / len(students)
    ours = per_submission[max(per_submission)]
    ratio = per / ours
    extrapolated = "" if len(students) >= n_max else \
        f"; timed on the first {len(students)} students, {seconds(per * n_max)} extrapolated to N = {n_max}"
    notes.append("nbgrader autograde runs every notebook in a fresh Jupyter kernel, one after the other; "
                 "its hidden cells call this grader once per notebook.")
    return [
        Row("grading throughput", f"`nbgrader autograde`, same students as notebooks",
            f"{seconds(per)} / submission ({seconds(wall)} for {len(students)})",
            note=f"{graded} of {len(students)} students autograded{extrapolated}"),
        Row("grading throughput", f"ratio: nbgrader / batch grader (N = {max(per_submission)})",
            f"{ratio:.1f}x", ">= 20x", ratio >= 20),
    ]
