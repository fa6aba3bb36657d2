"""Bad options and inputs of `grade`: one line naming the value and the fix, exit status 2,
nothing written to OUT."""

from __future__ import annotations

import gzip
import io
import tarfile

import pytest

from autograder.routes import cli


@pytest.fixture
def cohort(tmp_path):
    folder = tmp_path / "cohort" / "ann"
    folder.mkdir(parents=True)
    (folder / "kmeans.py").write_text("x = 1\n")
    return tmp_path / "cohort"


def run_grade(capsys, *argv) -> tuple[int, str]:
    try:
        status = cli.main(["grade", *map(str, argv)])
    except SystemExit as exc:
        status = exc.code
    captured = capsys.readouterr()
    return status, captured.err


@pytest.mark.parametrize("option, value, expected", [
    ("--jobs", "0", "0 students graded at once cannot grade anyone: give at least 1, e.g. --jobs 2"),
    ("--jobs", "-1", "-1 students graded at once cannot grade anyone"),
    ("--jobs", "two", "'two' is not a whole number of students graded at once"),
    ("--timeout", "-5", "-5 seconds leaves no time to grade: give a positive number, e.g. --timeout 10"),
    ("--timeout", "0", "0 seconds leaves no time"),
    ("--budget", "nan", "nan seconds leaves no time"),
    ("--memory", "0", "0 megabytes cannot grade anyone: give at least 64"),
    ("--exercise", "kmean", "there is no exercise 'kmean': did you mean --exercise kmeans?"),
    ("--exercise", "bogus", "there is no exercise 'bogus': give one of gaussian_mle, mse_nll"),
])
def test_a_bad_option_value_is_one_line_naming_it(capsys, cohort, tmp_path, option, value, expected):
    out = tmp_path / "out"
    status, err = run_grade(capsys, cohort, "--out", out, option, value)
    assert status == 2
    assert len(err.strip().splitlines()) == 1, err
    assert f"argument {option}: {expected}" in err
    assert not out.exists()


def _tar_gz() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        data = b"x = 1\n"
        info = tarfile.TarInfo("ann/kmeans.py")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.mark.parametrize("name, content, expected", [
    ("cohort.zip", b"this is a text file, not a zip\n",
     "is a file that is not an archive (its name ends in .zip, but its contents are not a zip)"),
    ("cohort.zip", _tar_gz(), "is a gzip file (a .tar.gz?), not a folder or a .zip: unpack it"),
    ("cohort.tar.gz", _tar_gz(), "is a gzip file (a .tar.gz?)"),
    ("cohort.zip", b"PK\x03\x04" + b"\x00" * 40, "is a damaged or truncated zip"),
    ("cohort.zip", b"", "is an empty file"),
    ("notes.txt", gzip.compress(b"hello", mtime=0), "is a gzip file"),
], ids=["text-named-zip", "tar-gz-named-zip", "tar-gz", "truncated-zip", "empty-zip", "gzip-named-txt"])
def test_a_file_that_is_not_a_zip_gets_a_message_about_that_file(capsys, tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    out = tmp_path / "out"
    status, err = run_grade(capsys, path, "--out", out)
    assert status == 2 and len(err.strip().splitlines()) == 1, err
    assert f"SUBMISSIONS '{path}' {expected}" in err
    assert "zipfile" not in err and "central directory" not in err and "magic" not in err.lower()
    assert not out.exists()


def test_missing_path_empty_folder_unknown_student_and_out_a_file(capsys, cohort, tmp_path):
    out = tmp_path / "out"
    status, err = run_grade(capsys, tmp_path / "nowhere", "--out", out)
    assert status == 2 and "SUBMISSIONS" in err and "nowhere' does not exist" in err
    empty = tmp_path / "empty"
    empty.mkdir()
    status, err = run_grade(capsys, empty, "--out", out)
    assert status == 2 and "no student folders found" in err and len(err.strip().splitlines()) == 1
    status, err = run_grade(capsys, cohort, "--out", out, "--student", "anne")
    assert status == 2 and "--student 'anne': no such student folder in SUBMISSIONS; did you mean 'ann'?" in err
    assert not out.exists()
    a_file = tmp_path / "grades.txt"
    a_file.write_text("keep me")
    status, err = run_grade(capsys, cohort, "--out", a_file)
    assert status == 2 and "is a file, not a folder" in err and a_file.read_text() == "keep me"
    status, err = run_grade(capsys, cohort, "--out", cohort / "reports")
    assert status == 2 and "inside SUBMISSIONS" in err and not (cohort / "reports").exists()
