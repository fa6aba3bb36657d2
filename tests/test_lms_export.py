"""`export lms`: grades.csv and a roster into the files Canvas's and Moodle's gradebook imports take.

The formats checked are those docs/lms-and-gradescope.md cites: Canvas reads the columns
Student, ID, SIS User ID, SIS Login ID, Section, then one column per assignment ("Name (id)"
updates an existing assignment); Moodle's CSV import maps an identifier column (here "Email
address" or "ID number") to a user field and a grade column to a grade item.
"""

from __future__ import annotations

import csv
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from autograder.core.grading import all_slugs
from autograder.routes.cli import main
from autograder.routes.reports import grades_csv

ROOT = Path(__file__).resolve().parent.parent
JOSE = "José Álvarez García"  # a sample-cohort id; the roster spells it decomposed (NFD), as macOS may


def write_grades(folder: Path) -> Path:
    """A grades.csv with grades_csv's own header and rows as `grade` writes them (ids defused, statuses)."""
    slugs = all_slugs()
    header = grades_csv([], slugs, {})
    rows = [
        ["ada_lovelace", "4", "16", "18", "18", "30", "86", "100", "graded", "", "ada_lovelace/feedback.md"],
        [JOSE, "4", "16", "0", "18", "30", "68", "100", "incomplete", "em_gmm.py missing", "x/feedback.md"],
        ["'=cmd|calc", "0", "0", "0", "0", "0", "0", "100", "incomplete", "", "c/feedback.md"],
        ["alan_turing", "4", "16", "18", "18", "22", "78", "100", "graded", "", "alan_turing/feedback.md"],
    ]
    assert len(rows[0]) == len(header.strip().split(",")), "grades.csv's columns changed: update this test"
    path = folder / "grades.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(header)
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return path


def write_roster(folder: Path, rows: list[list[str]],
                 header=("student", "name", "lms_id", "sis_id", "login", "email", "section")) -> Path:
    path = folder / "roster.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([list(header), *rows])
    return path


ROSTER = [
    ["ada_lovelace", "Lovelace, Ada", "101", "S101", "ada", "ada@uni.example", "Section 1"],
    [unicodedata.normalize("NFD", JOSE), "Álvarez García, José", "102", "S102", "jose", "jose@uni.example", "Section 2"],
    ["=cmd|calc", "=HYPERLINK(\"http://x\")", "103", "S103", "cmd", "cmd@uni.example", "Section 1"],
    ["grace_hopper", "Hopper, Grace", "104", "S104", "grace", "grace@uni.example", "Section 2"],
]


def read(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def export(tmp_path, capsys, *options: str) -> tuple[int, str, str]:
    status = main(["export", "lms", *options])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_canvas_file_follows_canvas_gradebook_import(tmp_path, capsys):
    grades, roster = write_grades(tmp_path), write_roster(tmp_path, ROSTER)
    status, out, err = export(tmp_path, capsys, "--format", "canvas", "--roster", str(roster), "--grades",
                              str(tmp_path), "--out", str(tmp_path / "canvas.csv"), "--assignment-id", "4242")
    assert status == 0, err
    table = read(tmp_path / "canvas.csv")
    assert table[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "MLE and EM exercises (4242)"]
    assert table[1] == ["Lovelace, Ada", "101", "S101", "ada", "Section 1", "86"]
    assert table[2][1:] == ["102", "S102", "jose", "Section 2", "68"]  # NFD in the roster, NFC in grades.csv
    assert table[3] == ["'=HYPERLINK(\"http://x\")", "103", "S103", "cmd", "Section 1", "0"]  # defused
    assert len(table) == 1 + len(ROSTER)
    assert grades.exists()


def test_moodle_file_follows_moodle_csv_grade_import(tmp_path, capsys):
    write_grades(tmp_path)
    roster = write_roster(tmp_path, ROSTER)
    status, out, err = export(tmp_path, capsys, "--format", "moodle", "--roster", str(roster), "--grades",
                              str(tmp_path / "grades.csv"), "--out", str(tmp_path / "moodle.csv"),
                              "--assignment", "Exercises: MLE and EM")
    assert status == 0, err
    table = read(tmp_path / "moodle.csv")
    assert table[0] == ["Email address", "ID number", "Full name", "Exercises: MLE and EM"]
    assert table[1] == ["ada@uni.example", "101", "Lovelace, Ada", "86"]
    assert table[4] == ["grace@uni.example", "104", "Hopper, Grace", "0"]


def test_missing_students_get_zero_and_unlisted_submissions_are_named(tmp_path, capsys):
    write_grades(tmp_path)
    roster = write_roster(tmp_path, ROSTER)
    status, out, err = export(tmp_path, capsys, "--format", "csv", "--roster", str(roster), "--grades",
                              str(tmp_path), "--out", str(tmp_path / "all.csv"))
    assert status == 0
    lines = err.strip().splitlines()
    assert any("in the roster have no row in grades.csv and get 0 points: grace_hopper" in line for line in lines)
    assert any("not in the roster" in line and "alan_turing" in line for line in lines)  # never dropped in silence
    assert "1 graded but not in the roster" in out
    table = read(tmp_path / "all.csv")
    assert table[0][:7] == ["student", "name", "lms_id", "sis_id", "login", "email", "section"]
    assert table[0][7:] == [*all_slugs(), "total", "max_total", "status"]
    grace = next(row for row in table if row[0] == "grace_hopper")
    assert grace[-3:] == ["0", "100", "no submission"]


@pytest.mark.parametrize("case, expected", [
    ("no id column", "has none of the columns moodle identifies students by: add 'email' or 'lms_id'"),
    ("duplicate email", "email 'ada@uni.example' is on lines 2 and 3"),
    ("duplicate student", "student 'ada_lovelace' is on lines 2 and 3"),
    ("unknown column", "has the column 'e-mail', which this export does not read"),
    ("missing roster", "roster"),
    ("not utf-8", "is not UTF-8 text"),
    ("bad total", "total 'n/a' for 'ada_lovelace' is not a number of points"),
])
def test_bad_input_is_one_line_status_2_and_nothing_written(tmp_path, capsys, case, expected):
    grades = write_grades(tmp_path)
    rows, header = [row[:] for row in ROSTER], ("student", "name", "lms_id", "sis_id", "login", "email", "section")
    if case == "no id column":
        rows, header = [row[:2] for row in rows], header[:2]
    elif case == "duplicate email":
        rows[1][5] = rows[0][5]
    elif case == "duplicate student":
        rows[1][0] = rows[0][0]
    elif case == "unknown column":
        header = (*header[:5], "e-mail", header[6])
    roster = write_roster(tmp_path, rows, header)
    if case == "missing roster":
        roster = tmp_path / "absent.csv"
    elif case == "not utf-8":
        roster.write_bytes("student,email\nJos\xe9,j@x\n".encode("latin-1"))
    elif case == "bad total":
        grades.write_text(grades.read_text(encoding="utf-8").replace(",86,", ",n/a,"), encoding="utf-8")
    out = tmp_path / "moodle.csv"
    out.write_text("the previous export\n")
    status, stdout, err = export(tmp_path, capsys, "--format", "moodle", "--roster", str(roster),
                                 "--grades", str(tmp_path), "--out", str(out))
    assert status == 2
    assert len(err.strip().splitlines()) == 1 and expected in err, err
    assert out.read_text() == "the previous export\n"  # nothing written
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".tmp")) == []


def test_command_line_exit_status(tmp_path):
    """The verb as a teaching assistant types it: `python -m autograder export lms ...`."""
    write_grades(tmp_path)
    roster = write_roster(tmp_path, ROSTER)
    ok = subprocess.run([sys.executable, "-m", "autograder", "export", "lms", "--format", "canvas", "--roster",
                         str(roster), "--grades", str(tmp_path), "--out", str(tmp_path / "c.csv")],
                        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0 and (tmp_path / "c.csv").exists(), ok.stderr
    bad = subprocess.run([sys.executable, "-m", "autograder", "export", "lms", "--format", "canvas", "--roster",
                          str(tmp_path / "nope.csv"), "--grades", str(tmp_path), "--out", str(tmp_path / "d.csv")],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and not (tmp_path / "d.csv").exists()
    assert bad.stderr.strip().count("\n") == 0 and "nope.csv does not exist" in bad.stderr
