"""Grades that matter for an nbgrader course: the batch grader's scores, written into nbgrader's gradebook.

    python -m autograder nbgrader-grade ASSIGNMENT [--course-root .] [--out OUT]

grades every ``submitted/<student>/<ASSIGNMENT>/`` with the batch grader (the
same sandbox, extraction and checks as ``python -m autograder grade``; its
reports go to OUT) and then sets, through nbgrader's own Gradebook API, the
autograded score of every hidden test cell to the points of its check. The
kernel that ``nbgrader autograde`` runs holds the student's code, so what it
reports can be forged; these scores come from a process the student's code
never reaches, and formgrader, ``nbgrader export`` and ``generate_feedback``
show them. Run it after ``nbgrader autograde`` (which would overwrite them
again): a submission autograde has not seen yet is added to the gradebook here.
Written answers keep their manual grades; a hidden cell a grader scored by hand
keeps that score and is listed.

It writes only what it computed or a person gave: a score given by hand that changed
while a notebook's kernel ran (the ledger of ``nbgrader_ledger.py``) stays put back, and a
score above its cell's maximum (or below 0) is dropped; everything rejected is printed in
one table at the end (``docs/nbgrader-route.md``).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import batch, nbgrader_ledger
from ..generation.notebooks import HIDDEN_GRADE_PREFIX, hidden_grade_id
from ..sandbox.isolation import ISOLATIONS, KERNEL, IsolationUnavailable, require
from ..core.record import StudentRecord
from ..core.submissions import Cohort, Submission, find_student_files


class GradebookError(RuntimeError):
    """The gradebook does not hold the assignment as this grader knows it."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("assignment", help="the nbgrader assignment (a folder of source/ and submitted/<student>/)")
    parser.add_argument("--course-root", type=Path, default=Path("."),
                        help="the nbgrader course folder (default: the current folder)")
    parser.add_argument("--db", default=None,
                        help="the gradebook's database URL (default: nbgrader's, COURSE/gradebook.db)")
    parser.add_argument("--out", type=Path, default=None,
                        help="where the batch grader's reports go (default COURSE/batch-graded/ASSIGNMENT)")
    parser.add_argument("--student", action="append", metavar="ID",
                        help="grade only this student (repeatable; default: every submitted student)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="students graded at once (default: all cores)")
    parser.add_argument("--force", action="store_true", help="re-grade students whose files have not changed")
    parser.add_argument("--progress", choices=("auto", "bar", "lines"), default="auto",
                        help="a progress bar or one line per student")
    parser.add_argument("--isolation", choices=ISOLATIONS, default=KERNEL,
                        help="kernel (default: refuse where the kernel layers do not hold) or audit-hook-only")


def find_submitted(course: Path, assignment: str, slugs: list[str],
                   students: list[str] | None = None) -> Cohort:
    """Every ``submitted/<student>/<assignment>/`` as a submission; the id is nbgrader's (the folder name)."""
    submitted = course / "submitted"
    found, notes = [], []
    if submitted.is_dir():
        for entry in sorted(os.scandir(submitted), key=lambda e: e.name):
            if entry.name.startswith(".") or not entry.is_dir(follow_symlinks=False):
                continue
            if students and entry.name not in students:
                continue
            folder = Path(entry.path) / assignment
            if folder.is_symlink() or not folder.is_dir():
                notes.append(f"{entry.name!r} has no {assignment}/ in submitted/: not graded.")
                continue
            submission: Submission = find_student_files(folder, slugs, student=entry.name, depth=0)
            found.append(submission)
    return Cohort(found, notes)


def write_gradebook(db_url: str, assignment: str, records: list[StudentRecord],
                    rejected: list[dict] | None = None) -> list[str]:
    """Set each hidden cell's autograded score to its check's points; returns notes for the instructor.

    Refuses (``GradebookError``) before writing anything when the gradebook's hidden
    cells and the grader's checks differ: the release is then older than the checks.
    Scores nobody may have given (``reject_forged_scores``) are dropped first and added
    to ``rejected``.
    """
    from nbgrader.api import MissingEntry

    from .nbgrader_gradebook import QuietGradebook

    _alembic_on_path()
    notes: list[str] = []
    with QuietGradebook(db_url) as gb:
        try:
            source = gb.find_assignment(assignment)
        except MissingEntry:
            raise GradebookError(f"The gradebook has no assignment {assignment!r}: run "
                                 f"`nbgrader generate_assignment {assignment}` first.") from None
        cells = {nb.name: {c.name: c for c in nb.grade_cells} for nb in source.notebooks}
        _check_cells_match(cells, records)
        found = reject_forged_scores(gb, db_url, assignment, [r.student for r in records])
        if rejected is not None:
            rejected.extend(found)
        for record in records:
            student = record.student
            gb.update_or_create_student(student)
            try:
                gb.find_submission(assignment, student)
            except MissingEntry:
                gb.add_submission(assignment, student)
            for ex in record.exercises:
                notebook = ex.exercise
                if notebook not in cells:
                    continue
                for result in ex.results:
                    grade = gb.find_grade(hidden_grade_id(result.name), notebook, assignment, student)
                    grade.auto_score = float(result.points)
                    grade.needs_manual_grade = grade.manual_score is not None
                    if grade.manual_score is not None and grade.manual_score != grade.auto_score:
                        notes.append(f"{student}/{notebook}/{grade.name}: a grader's score "
                                     f"{grade.manual_score:g} overrides the grader's {grade.auto_score:g}.")
                for name, cell in cells[notebook].items():  # visible test cells: 0 points
                    if cell.cell_type == "code" and cell.max_score == 0:
                        grade = gb.find_grade(name, notebook, assignment, student)
                        if grade.auto_score is None:
                            grade.auto_score, grade.needs_manual_grade = 0.0, grade.manual_score is not None
            gb.db.commit()
    return notes


def reject_forged_scores(gb, db_url: str, assignment: str, students: list[str]) -> list[dict]:
    """Drop the scores of ``students`` that no person gave; returns them (uncommitted changes on ``gb``).

    - a score given by hand that the ledger saw change while a kernel ran, and that holds
      the changed value again, is put back (``nbgrader_ledger.check_after`` did it once);
    - a score given by hand above its cell's maximum, or below 0, is dropped.
    """
    from nbgrader.api import MissingEntry

    rejected = []
    wanted = set(students)
    for entry in nbgrader_ledger.rejected(db_url, assignment, wanted):
        try:
            grade = gb.find_grade(entry["cell"], entry["notebook"], assignment, entry["student"])
        except MissingEntry:
            continue
        if [grade.manual_score, grade.extra_credit] == entry["found"] != entry["kept"]:
            grade.manual_score, grade.extra_credit = entry["kept"]
        rejected.append(dict(entry))
    for student in students:
        try:
            submission = gb.find_submission(assignment, student)
        except MissingEntry:
            continue
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                top = float(grade.max_score)
                if grade.manual_score is not None and not 0 <= grade.manual_score <= top:
                    rejected.append({"student": student, "assignment": assignment, "notebook": notebook.name,
                                     "cell": grade.name, "found": [grade.manual_score, grade.extra_credit],
                                     "kept": [None, grade.extra_credit],
                                     "why": f"outside 0 to the cell's maximum, {top:g}"})
                    grade.manual_score = None
                    grade.needs_manual_grade = grade.auto_score is None
    return rejected


def rejection_table(rejected: list[dict]) -> str:
    """One short table of every score rejected, for the end of the command's output."""
    if not rejected:
        return ""

    def shown(pair):
        manual, extra = (list(pair) + [None, None])[:2]
        text = "none" if manual is None else f"{manual:g}"
        return text + (f" (+{extra:g} extra)" if extra else "")

    lines = [f"REJECTED: {len(rejected)} score(s) no person gave; the gradebook does not hold them:",
             "| student | notebook | cell | found | now | why |", "| --- | --- | --- | --- | --- | --- |"]
    for entry in rejected:
        lines.append(f"| {entry['student']} | {entry['notebook']} | {entry['cell']} | {shown(entry['found'])} "
                     f"| {shown(entry['kept'])} | {entry['why']} |")
    return "\n".join(lines)


def _alembic_on_path() -> None:
    """nbgrader's Gradebook shells out to ``alembic``, installed beside this interpreter."""
    here = str(Path(sys.executable).parent)
    if here not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join([here, os.environ.get("PATH", "")])


def _check_cells_match(cells: dict[str, dict], records: list[StudentRecord]) -> None:
    for record in records:
        for ex in record.exercises:
            hidden = {name: c for name, c in cells.get(ex.exercise, {}).items()
                      if name.startswith(HIDDEN_GRADE_PREFIX)}
            graded = {hidden_grade_id(r.name): r.max_points for r in ex.results}
            if ex.exercise not in cells:
                raise GradebookError(f"The gradebook's assignment has no notebook {ex.exercise!r}.")
            if ex.status == "grader_error" and not graded:
                continue
            stale = sorted(set(hidden) ^ set(graded))
            stale += sorted(n for n in set(hidden) & set(graded) if float(hidden[n].max_score) != graded[n])
            if stale:
                raise GradebookError(
                    f"The gradebook's hidden cells of {ex.exercise} differ from the grader's checks "
                    f"({', '.join(stale[:5])}): regenerate the assignment (`make build`, then "
                    f"`nbgrader generate_assignment ... --force`) so both hold the same checks.")


def run(args) -> int:
    from ..core.grading import all_slugs

    course = args.course_root.resolve()
    out = args.out or course / "batch-graded" / args.assignment
    db_url = args.db or f"sqlite:///{course / 'gradebook.db'}"
    slugs = all_slugs()
    cohort = find_submitted(course, args.assignment, slugs, args.student)
    for note in cohort.notes:
        print(f"note: {note}", file=sys.stderr)
    if not cohort.submissions:
        print(f"error: no submitted/<student>/{args.assignment}/ folders in {course}.", file=sys.stderr)
        return 1
    options = batch.options_from(argparse.Namespace(
        timeout=batch.DEFAULT_TIMEOUT, budget=batch.DEFAULT_BUDGET, memory=batch.DEFAULT_MEMORY_MB,
        exercise=None, isolation=args.isolation))
    try:
        require(args.isolation)  # fail closed, as every route: no student code without the kernel layers
    except IsolationUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    status, records = batch.grade_cohort(cohort, args, options, out)
    rejected: list[dict] = []
    try:
        notes = write_gradebook(db_url, args.assignment, records, rejected)
    except GradebookError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"Gradebook {db_url}: the hidden cells of {len(records)} student(s) now hold the batch "
          f"grader's scores (formgrader and `nbgrader export` show them).")
    if rejected:
        sys.stderr.flush()
        print(rejection_table(rejected), flush=True)
    return status
