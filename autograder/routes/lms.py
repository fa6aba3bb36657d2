"""Grades into an LMS gradebook: grades.csv and a roster become the file Canvas or Moodle imports.

    python -m autograder export lms --format canvas --roster roster.csv --grades OUT --out canvas.csv

The roster (CSV, UTF-8, a header row; column names in any case and order) maps each
student folder to the LMS's ids: ``student`` (the folder name, as in grades.csv; required),
``name``, ``lms_id`` (Canvas's numeric user ID; Moodle's ID number), ``sis_id`` (Canvas's
SIS User ID), ``login`` (Canvas's SIS Login ID), ``email`` (Moodle's default identifier),
``section``. Canvas needs one of ``lms_id``, ``sis_id``, ``login`` per student; Moodle needs
``email`` or ``lms_id``. Every roster student gets a row (0 points and a warning without a
submission); every graded student missing from the roster is listed, never dropped in
silence. Bad input (an unreadable file, a missing column, a duplicate id, a total that is
not a number) is one line naming the value and the fix, exit status 2 and nothing written.
The formats, with the LMS documentation they follow: docs/lms-and-gradescope.md.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from ..core.escaping import escape_controls
from ..core.student import write_atomic
from .reports import spreadsheet_safe

FORMATS = ("canvas", "moodle", "csv")
ROSTER_COLUMNS = ("student", "name", "lms_id", "sis_id", "login", "email", "section")
#: Roster columns whose values must be unique: two students on one LMS account would share a grade.
UNIQUE_COLUMNS = ("student", "lms_id", "sis_id", "login", "email")
#: Canvas's gradebook import: the student columns it reads, then one column per assignment.
CANVAS_HEADER = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
#: Moodle's CSV grade import: any columns; the teacher maps one to a user field ("Email address"
#: to useremail, "ID number" to useridnumber) and the grade column to a grade item.
MOODLE_HEADER = ("Email address", "ID number", "Full name")
DEFAULT_ASSIGNMENT = "MLE and EM exercises"


class BadInput(Exception):
    """One line naming the value at fault and the fix; exit status 2, nothing written."""


def student_key(folder_name: str) -> str:
    """A roster's folder name as grades.csv spells the student (``reports.grades_csv``): NFC, controls
    escaped, a formula defused. A roster may give the folder's own name or copy grades.csv's cell."""
    return spreadsheet_safe(unicodedata.normalize("NFC", folder_name.strip()))


@dataclass
class Grade:
    student: str
    total: float
    max_total: float
    status: str
    exercises: dict[str, str]


@dataclass
class Export:
    """What a format writes, and what the teacher must be told."""

    rows: list[dict] = field(default_factory=list)  # one per roster student: roster fields + grade
    without_submission: list[str] = field(default_factory=list)
    not_in_roster: list[str] = field(default_factory=list)
    grader_errors: list[str] = field(default_factory=list)
    exercises: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------

def _read_table(path: Path, what: str) -> tuple[list[str], list[dict[str, str]]]:
    """Header (lowercased, stripped) and rows of a UTF-8 CSV (an Excel byte-order mark is fine)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BadInput(f"{what} {path} does not exist: give the path of the file.") from None
    except IsADirectoryError:
        raise BadInput(f"{what} {path} is a folder: give the CSV file in it.") from None
    except UnicodeDecodeError as exc:
        raise BadInput(f"{what} {path} is not UTF-8 text (byte {exc.start}): save it as CSV UTF-8.") from None
    except OSError as exc:
        raise BadInput(f"{what} {path} cannot be read ({exc.strerror}): check its permissions.") from None
    try:
        table = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise BadInput(f"{what} {path} is not a readable CSV ({exc}): save it as CSV UTF-8.") from None
    if not table or not any(cell.strip() for cell in table[0]):
        raise BadInput(f"{what} {path} is empty: it needs a header row.")
    header = [cell.strip().lower() for cell in table[0]]
    seen = set()
    for name in header:
        if name and name in seen:
            raise BadInput(f"{what} {path} has the column {name!r} twice: keep one.")
        seen.add(name)
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue  # a blank line (a spreadsheet's trailing rows)
        if len(cells) > len(header):
            raise BadInput(f"{what} {path}, line {number}: {len(cells)} cells under a header of {len(header)}: "
                           f"quote values that hold a comma.")
        row = {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(header) if name}
        row["_line"] = str(number)
        rows.append(row)
    return header, rows


def read_grades(path: Path) -> tuple[list[Grade], list[str]]:
    """grades.csv's rows (and its exercise columns, in order), checked: ids unique, totals numbers."""
    header, rows = _read_table(path, "grades file")
    for needed in ("student", "total", "max_total"):
        if needed not in header:
            raise BadInput(f"grades file {path} has no {needed!r} column: give the grades.csv "
                           f"`python -m autograder grade` wrote (or its folder).")
    exercises = header[header.index("student") + 1:header.index("total")]
    grades, seen = [], {}
    for row in rows:
        student = row["student"]
        if not student.strip():
            raise BadInput(f"grades file {path}, line {row['_line']}: the student cell is empty.")
        if student in seen:
            raise BadInput(f"grades file {path}: student {student!r} is on lines {seen[student]} and "
                           f"{row['_line']}: keep one row per student.")
        seen[student] = row["_line"]
        numbers = []
        for column in ("total", "max_total"):
            try:
                value = float(row[column])
            except ValueError:
                value = math.nan
            if not math.isfinite(value) or value < 0:
                raise BadInput(f"grades file {path}, line {row['_line']}: {column} {row[column]!r} for "
                               f"{student!r} is not a number of points: regrade or fix that row.")
            numbers.append(value)
        grades.append(Grade(student, numbers[0], numbers[1], row.get("status", ""),
                            {slug: row.get(slug, "") for slug in exercises}))
    return grades, exercises


def read_roster(path: Path, lms_format: str) -> list[dict[str, str]]:
    """The roster's rows, checked: known columns, the ids the format needs, no id twice."""
    header, rows = _read_table(path, "roster")
    unknown = [name for name in header if name and name not in ROSTER_COLUMNS]
    if unknown:
        raise BadInput(f"roster {path} has the column {unknown[0]!r}, which this export does not read: "
                       f"rename it to one of {', '.join(ROSTER_COLUMNS)} or remove it.")
    if "student" not in header:
        raise BadInput(f"roster {path} has no 'student' column: add one holding each student's folder name "
                       f"(their id in grades.csv).")
    needs = {"canvas": ("lms_id", "sis_id", "login"), "moodle": ("email", "lms_id"), "csv": ()}[lms_format]
    if needs and not set(needs) & set(header):
        raise BadInput(f"roster {path} has none of the columns {lms_format} identifies students by: "
                       f"add {' or '.join(repr(n) for n in needs)}.")
    seen: dict[tuple[str, str], str] = {}
    for row in rows:
        for name in ROSTER_COLUMNS:
            row[name] = row.get(name, "").strip()
        if not row["student"]:
            raise BadInput(f"roster {path}, line {row['_line']}: the student cell is empty: "
                           f"give the student's folder name.")
        row["key"] = student_key(row["student"])
        if needs and not any(row[n] for n in needs):
            raise BadInput(f"roster {path}, line {row['_line']}: student {row['student']!r} has no "
                           f"{' or '.join(n for n in needs if n in header)}: {lms_format} could not match them.")
        for name in UNIQUE_COLUMNS:
            value = row["key"] if name == "student" else row[name]
            if not value:
                continue
            if (name, value) in seen:
                raise BadInput(f"roster {path}: {name} {row[name]!r} is on lines {seen[name, value]} and "
                               f"{row['_line']}: each {name} belongs to one student.")
            seen[name, value] = row["_line"]
    return rows


# --------------------------------------------------------------------------
# Matching and writing
# --------------------------------------------------------------------------

def match(grades: list[Grade], exercises: list[str], roster: list[dict[str, str]]) -> Export:
    """One row per roster student, in roster order; the graded students the roster lacks, listed."""
    by_student = {g.student: g for g in grades}
    export = Export(exercises=exercises)
    max_total = max((g.max_total for g in grades), default=0.0)
    for person in roster:
        grade = by_student.pop(person["key"], None)
        if grade is None:
            export.without_submission.append(person["student"])
            grade = Grade(person["key"], 0.0, max_total, "no submission", {})
        elif grade.status.startswith("grader_error"):
            export.grader_errors.append(person["student"])
        export.rows.append({**person, "grade": grade})
    export.not_in_roster = list(by_student)
    return export


def points(value: float) -> str:
    return f"{value:g}"


def render(export: Export, lms_format: str, assignment: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    safe = spreadsheet_safe
    if lms_format == "canvas":
        writer.writerow([*CANVAS_HEADER, assignment])
        for row in export.rows:
            writer.writerow([safe(row["name"] or row["student"]), safe(row["lms_id"]), safe(row["sis_id"]),
                             safe(row["login"]), safe(row["section"]), points(row["grade"].total)])
    elif lms_format == "moodle":
        writer.writerow([*MOODLE_HEADER, assignment])
        for row in export.rows:
            writer.writerow([safe(row["email"]), safe(row["lms_id"]), safe(row["name"] or row["student"]),
                             points(row["grade"].total)])
    else:
        writer.writerow(["student", "name", "lms_id", "sis_id", "login", "email", "section",
                         *export.exercises, "total", "max_total", "status"])
        for row in export.rows:
            grade = row["grade"]
            writer.writerow([grade.student, *(safe(row[n]) for n in ROSTER_COLUMNS[1:]),
                             *(grade.exercises.get(slug, "") for slug in export.exercises),
                             points(grade.total), points(grade.max_total), safe(grade.status)])
    return buffer.getvalue()


def warnings(export: Export) -> list[str]:
    lines = []
    if export.without_submission:
        lines.append(f"warning: {len(export.without_submission)} student(s) in the roster have no row in grades.csv "
                     f"and get 0 points: {', '.join(escape_controls(s) for s in export.without_submission)}")
    if export.not_in_roster:
        lines.append(f"warning: {len(export.not_in_roster)} graded student(s) are not in the roster and are NOT in "
                     f"the file: {', '.join(export.not_in_roster)} (add them to the roster with their LMS ids)")
    if export.grader_errors:
        lines.append(f"warning: the grader failed on {', '.join(escape_controls(s) for s in export.grader_errors)}: "
                     f"regrade them before uploading (their total may be too low)")
    return lines


def grades_path(given: Path) -> Path:
    """``--grades`` names grades.csv or the results folder holding it."""
    return given / "grades.csv" if given.is_dir() else given


def export_lms(lms_format: str, roster_path: Path, grades_given: Path, out: Path,
               assignment: str = DEFAULT_ASSIGNMENT, assignment_id: str = "") -> tuple[Export, list[str]]:
    """Read, check, match and write ``out`` (atomically); raises ``BadInput`` before writing anything."""
    if lms_format not in FORMATS:
        raise BadInput(f"--format {lms_format!r} is not one of {', '.join(FORMATS)}.")
    if not assignment.strip():
        raise BadInput("--assignment is empty: give the gradebook column's name.")
    if assignment_id and not assignment_id.isdigit():
        raise BadInput(f"--assignment-id {assignment_id!r} is not Canvas's numeric assignment id: "
                       f"copy the number from the assignment's address (…/assignments/12345).")
    grades_file = grades_path(grades_given)
    for given, name in ((roster_path, "--roster"), (grades_file, "--grades")):
        if out.resolve() == given.resolve():
            raise BadInput(f"--out {out} is the {name} file: write the export to another file.")
    if out.is_dir():
        raise BadInput(f"--out {out} is a folder: give a file name such as {out / (lms_format + '.csv')}.")
    grades, exercises = read_grades(grades_file)
    roster = read_roster(roster_path, lms_format)
    export = match(grades, exercises, roster)
    column = f"{assignment.strip()} ({assignment_id})" if assignment_id else assignment.strip()
    write_atomic(out, render(export, lms_format, column))
    return export, warnings(export)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", required=True, choices=FORMATS, dest="lms_format",
                        help="canvas (gradebook import), moodle (CSV grade import) or csv (every column)")
    parser.add_argument("--roster", required=True, type=Path,
                        help="CSV with the column student (folder names) and the LMS's ids: name, lms_id, "
                             "sis_id, login, email, section")
    parser.add_argument("--grades", required=True, type=Path,
                        help="the results folder of `grade --out` (its grades.csv is read) or a grades.csv")
    parser.add_argument("--out", required=True, type=Path, help="the file to write (replaced if it exists)")
    parser.add_argument("--assignment", default=DEFAULT_ASSIGNMENT,
                        help=f"the gradebook column's name (default {DEFAULT_ASSIGNMENT!r})")
    parser.add_argument("--assignment-id", default="",
                        help="Canvas: the existing assignment's id, so the column updates it "
                             "(written 'NAME (ID)'); without it Canvas creates a new assignment")


def run(args) -> int:
    try:
        export, lines = export_lms(args.lms_format, args.roster, args.grades, args.out,
                                   args.assignment, args.assignment_id)
    except BadInput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for line in lines:
        print(line, file=sys.stderr)
    graded = len(export.rows) - len(export.without_submission)
    print(f"wrote {args.out}: {len(export.rows)} student(s) for {args.lms_format} ({graded} graded, "
          f"{len(export.without_submission)} without a submission at 0, {len(export.not_in_roster)} graded but "
          f"not in the roster, left out)")
    return 0
