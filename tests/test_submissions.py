"""Finding students and their files: folders, zips (safely), nbgrader's layout, notebooks."""

from __future__ import annotations

import json
import stat
import zipfile

import pytest

from autograder.submissions import (SubmissionsError, extract_zip, find_cohort, notebook_code,
                                    prepare)

SLUGS = ["gaussian_mle", "mse_nll", "em_gmm", "kmeans"]


def write(path, text=""):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def notebook(*cells):
    return json.dumps({"cells": list(cells), "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def code(text, **nbgrader):
    meta = {"nbgrader": nbgrader} if nbgrader else {}
    return {"cell_type": "code", "metadata": meta, "source": text, "outputs": [], "execution_count": None}


def test_folder_names_are_ids_whatever_their_characters(tmp_path):
    names = ["Zoë d'Arc", "=HYPERLINK(\"x\")", "ada", "José Ñúñez"]
    for name in names:
        write(tmp_path / "cohort" / name / "gaussian_mle.py", "x = 1\n")
    write(tmp_path / "cohort" / ".DS_Store")
    write(tmp_path / "cohort" / "__MACOSX" / "ada" / "gaussian_mle.py")
    write(tmp_path / "cohort" / "stray.txt")
    cohort = find_cohort(tmp_path / "cohort", tmp_path / "scratch", SLUGS)
    assert sorted(s.student for s in cohort.submissions) == sorted(names)
    assert any("stray.txt" in note for note in cohort.notes)


def test_files_in_a_subfolder_case_and_py_over_ipynb(tmp_path):
    student = tmp_path / "c" / "bo"
    write(student / "work" / "Gaussian_MLE.py", "x = 1\n")
    write(student / "work" / "gaussian_mle.ipynb", notebook())
    write(student / "kmeans.ipynb", notebook())
    [sub] = find_cohort(tmp_path / "c", tmp_path / "s", SLUGS).submissions
    assert sub.files["gaussian_mle"].name == "Gaussian_MLE.py"
    assert sub.files["kmeans"].name == "kmeans.ipynb"
    assert any("ignored" in n for n in sub.notes)


def test_nbgrader_submitted_layout(tmp_path):
    write(tmp_path / "course" / "submitted" / "ann" / "mle_em" / "em_gmm.ipynb", notebook(code("x = 1")))
    write(tmp_path / "course" / "source" / "mle_em" / "em_gmm.ipynb", notebook())
    [sub] = find_cohort(tmp_path / "course", tmp_path / "s", SLUGS).submissions
    assert sub.student == "ann" and set(sub.files) == {"em_gmm"}


def test_symlinked_exercise_file_is_refused(tmp_path):
    target = write(tmp_path / "elsewhere" / "gaussian_mle.py", "secret = 1\n")
    (tmp_path / "c" / "eve").mkdir(parents=True)
    (tmp_path / "c" / "eve" / "gaussian_mle.py").symlink_to(target)
    [sub] = find_cohort(tmp_path / "c", tmp_path / "s", SLUGS).submissions
    prepared = prepare(sub, "gaussian_mle", tmp_path / "m")
    assert prepared.status == "refused" and "symbolic link" in prepared.message


def test_missing_empty_and_unreadable_files_each_say_so(tmp_path):
    student = tmp_path / "c" / "kim"
    write(student / "gaussian_mle.py", "   \n\n")
    write(student / "em_gmm.ipynb", "{ not json")
    write(student / "kmeans.py", "def f():\n    return 1\n")
    [sub] = find_cohort(tmp_path / "c", tmp_path / "s", SLUGS).submissions
    outcomes = {slug: prepare(sub, slug, tmp_path / "m" / slug) for slug in SLUGS}
    assert outcomes["gaussian_mle"].status == "empty" and "empty" in outcomes["gaussian_mle"].message
    assert outcomes["mse_nll"].status == "missing" and "mse_nll.py" in outcomes["mse_nll"].message
    assert outcomes["em_gmm"].status == "unreadable" and "notebook" in outcomes["em_gmm"].message
    assert outcomes["kmeans"].status == "" and outcomes["kmeans"].module.read_text().startswith("def f")


def test_fingerprint_follows_content(tmp_path):
    path = write(tmp_path / "c" / "a" / "kmeans.py", "x = 1\n")
    first = find_cohort(tmp_path / "c", tmp_path / "s", SLUGS).submissions[0].fingerprint()
    assert find_cohort(tmp_path / "c", tmp_path / "s", SLUGS).submissions[0].fingerprint() == first
    path.write_text("x = 2\n")
    assert find_cohort(tmp_path / "c", tmp_path / "s", SLUGS).submissions[0].fingerprint() != first


# --------------------------------------------------------------------------
# Notebooks
# --------------------------------------------------------------------------

def test_notebook_drops_magics_shell_and_test_cells_with_a_note():
    data = notebook(
        code("%matplotlib inline\nimport numpy as np\n!pip install numpy\nfiles = !ls\nnp.mean?"),
        code("def f(x):\n    %time y = 1\n    return 2 * x"),
        code("assert f(1) == 2", grade=True, solution=False, points=1),
        code("%%bash\necho hi"),
        {"cell_type": "markdown", "metadata": {}, "source": "# not code"},
    )
    text, notes = notebook_code(data.encode())
    namespace = {}
    exec(compile(text, "nb", "exec"), namespace)
    assert namespace["f"](3) == 6
    assert "pip" not in text and "assert" not in text and "echo" not in text
    assert any("IPython-only" in n for n in notes) and any("test" in n for n in notes)


def test_notebook_error_in_a_loose_statement_keeps_later_functions():
    data = notebook(code("print(undefined_name)\ndef g():\n    return 5\nraise RuntimeError('demo')"),
                    code("def h():\n    return g() + 1"))
    text, _ = notebook_code(data.encode())
    namespace = {}
    exec(compile(text, "nb", "exec"), namespace)
    assert namespace["h"]() == 6


def test_notebook_cell_with_a_syntax_error_is_left_out_and_named():
    data = notebook(code("def ok():\n    return 1"), code("def broken(:\n    pass"))
    text, notes = notebook_code(data.encode())
    assert "def ok" in text and "broken" not in text
    assert any("cell 2" in n for n in notes)


@pytest.mark.parametrize("data", [b"[]", b'{"cells": 3}', b"\xff\xfe"])
def test_not_a_notebook(data):
    with pytest.raises(ValueError):
        notebook_code(data)


# --------------------------------------------------------------------------
# Zips
# --------------------------------------------------------------------------

def make_zip(path, entries):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in entries.items():
            if name.endswith("@link"):
                info = zipfile.ZipInfo(name[:-5])
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                zf.writestr(info, data)
            else:
                zf.writestr(name, data)
    return path


def test_zip_of_student_folders_in_a_wrapper_folder(tmp_path):
    archive = make_zip(tmp_path / "c.zip", {"cohort/ann/kmeans.py": "x = 1\n", "cohort/bo/em_gmm.py": "y = 2\n"})
    cohort = find_cohort(archive, tmp_path / "s", SLUGS)
    assert [s.student for s in cohort.submissions] == ["ann", "bo"]
    assert cohort.submissions[0].files["kmeans"].read_text() == "x = 1\n"


def test_zip_path_traversal_rejects_that_student_only(tmp_path):
    archive = make_zip(tmp_path / "c.zip", {
        "ann/kmeans.py": "x = 1\n",
        "mal/kmeans.py": "x = 1\n",
        "mal/../../escaped.py": "boom\n",
        "mal/link.py@link": "/etc/passwd",
        "/abs.py": "boom\n",
    })
    cohort = find_cohort(archive, tmp_path / "s", SLUGS)
    by_id = {s.student: s for s in cohort.submissions}
    assert not by_id["ann"].rejected
    assert "outside" in by_id["mal"].rejected or "symbolic" in by_id["mal"].rejected
    assert prepare(by_id["mal"], "kmeans", tmp_path / "m").status == "refused"
    assert any("/abs.py" in n and "absolute" in n for n in cohort.notes)
    assert not (tmp_path / "escaped.py").exists() and not (tmp_path / "s" / "escaped.py").exists()
    assert not list((tmp_path / "s").rglob("link.py"))


def test_zip_whose_declared_total_is_absurd_is_refused(tmp_path, monkeypatch):
    import autograder.submissions as submissions

    monkeypatch.setattr(submissions, "MAX_ZIP_TOTAL_BYTES", 1000)
    archive = make_zip(tmp_path / "c.zip", {"a/kmeans.py": "x" * 600, "b/kmeans.py": "y" * 600})
    with pytest.raises(SubmissionsError, match="refused"):
        extract_zip(archive, tmp_path / "out")


def test_oversized_entry_is_skipped_and_costs_its_exercise(tmp_path, monkeypatch):
    import autograder.submissions as submissions

    monkeypatch.setattr(submissions, "MAX_ZIP_ENTRY_BYTES", 100)
    archive = make_zip(tmp_path / "c.zip", {"a/kmeans.py": "x = 1\n" * 50, "a/em_gmm.py": "y = 1\n"})
    [sub] = find_cohort(archive, tmp_path / "s", SLUGS).submissions
    assert not sub.rejected
    assert prepare(sub, "kmeans", tmp_path / "m").status == "refused"
    assert prepare(sub, "em_gmm", tmp_path / "m").status == ""


def test_not_a_cohort(tmp_path):
    write(tmp_path / "grades.txt", "hello")
    with pytest.raises(SubmissionsError):
        find_cohort(tmp_path / "grades.txt", tmp_path / "s", SLUGS)
    with pytest.raises(SubmissionsError):
        find_cohort(tmp_path / "nowhere", tmp_path / "s", SLUGS)
