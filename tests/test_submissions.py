"""Finding students and their files: folders, zips (safely), nbgrader's layout, notebooks."""

from __future__ import annotations

import json
import stat
import zipfile

import pytest

from autograder.core.submissions import (SubmissionsError, extract_zip, find_cohort, notebook_code,
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
    assert sub.flags == ["gaussian_mle: graded work/Gaussian_MLE.py, ignored work/gaussian_mle.ipynb "
                         "(the untouched stub) (every one of them is the untouched stub)."]


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
    import autograder.core.submissions as submissions

    monkeypatch.setattr(submissions, "MAX_ZIP_TOTAL_BYTES", 1000)
    archive = make_zip(tmp_path / "c.zip", {"a/kmeans.py": "x" * 600, "b/kmeans.py": "y" * 600})
    with pytest.raises(SubmissionsError, match="refused"):
        extract_zip(archive, tmp_path / "out")


def test_oversized_entry_is_skipped_and_costs_its_exercise(tmp_path, monkeypatch):
    import autograder.core.submissions as submissions

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


# --------------------------------------------------------------------------
# Ids, and students the zip names but nothing of whom could be unpacked
# --------------------------------------------------------------------------

def test_ids_differing_only_in_normalisation_are_both_kept_and_flagged(tmp_path):
    composed, decomposed = "Jos\u00e9", "Jose\u0301"
    write(tmp_path / "c" / composed / "kmeans.py", "x = 1\n")
    write(tmp_path / "c" / decomposed / "kmeans.py", "x = 2\n")
    write(tmp_path / "c" / "ann" / "kmeans.py", "x = 3\n")
    cohort = find_cohort(tmp_path / "c", tmp_path / "s", SLUGS)
    ids = [s.student for s in cohort.submissions]
    assert len(set(ids)) == 3 and "ann" in ids
    twins = [s for s in cohort.submissions if s.student != "ann"]
    assert {s.student for s in twins} == {"Jos\u00e9 (1)", "Jos\u00e9 (2)"}
    assert {s.files["kmeans"].read_text() for s in twins} == {"x = 1\n", "x = 2\n"}
    for twin in twins:
        assert len(twin.flags) == 1 and "normalised" in twin.flags[0] and "'Jose\\u0301'" in twin.flags[0]
    assert not next(s for s in cohort.submissions if s.student == "ann").flags


def test_nfd_folder_name_alone_becomes_its_nfc_id(tmp_path):
    write(tmp_path / "c" / "Zoe\u0308" / "kmeans.py", "x = 1\n")
    [sub] = find_cohort(tmp_path / "c", tmp_path / "s", SLUGS).submissions
    assert sub.student == "Zo\u00eb" and not sub.flags


def test_student_whose_zip_entries_were_all_refused_still_has_a_submission(tmp_path):
    from autograder.core.record import ExerciseRecord, StudentStatus
    from autograder.core.student import make_record

    archive = make_zip(tmp_path / "c.zip", {
        "ann/kmeans.py": "x = 1\n",
        "zed/../../kmeans.py": "boom\n",
        "zed/em_gmm.py@link": "/etc/passwd",
    })
    cohort = find_cohort(archive, tmp_path / "s", SLUGS)
    by_id = {s.student: s for s in cohort.submissions}
    assert set(by_id) == {"ann", "zed"}
    zed = by_id["zed"]
    assert zed.folder is None and not zed.files and zed.rejected
    assert len(zed.flags) == 2 and all("zip entry" in f for f in zed.flags)
    exercises = [ExerciseRecord(slug, prepare(zed, slug, tmp_path / "m").status) for slug in SLUGS]
    record = make_record("zed", exercises, fingerprint="", grader="", flags=zed.flags,
                         rejected=zed.rejected, gradable=bool(zed.files))
    assert record.status is StudentStatus.NO_GRADABLE_FILE and "zip entry" in record.problems


# --------------------------------------------------------------------------
# Which file is graded when a student hands in several for one exercise
# --------------------------------------------------------------------------

def test_untouched_stub_beside_a_completed_notebook_grades_the_notebook(tmp_path):
    from autograder.generation import sample_cohort

    student = tmp_path / "c" / "bea"
    for slug in SLUGS:  # the released bundle: every stub, every notebook completed
        write(student / f"{slug}.py", sample_cohort.stub(slug).replace("\n", "\r\n"))
        write(student / f"{slug}.ipynb", sample_cohort.as_notebook(sample_cohort.solved(slug), slug))
    [sub] = find_cohort(tmp_path / "c", tmp_path / "s", SLUGS).submissions
    assert {slug: p.name for slug, p in sub.files.items()} == {s: f"{s}.ipynb" for s in SLUGS}
    assert sub.flags == [f"{slug}: graded {slug}.ipynb, ignored {slug}.py (the untouched stub) "
                         f"(it is the only one with work in it)." for slug in SLUGS]


def test_completed_module_beside_the_untouched_released_notebook_grades_the_module(tmp_path):
    from autograder.generation import sample_cohort
    from autograder.generation.stubs import ASSIGNMENT
    from autograder.core.manifest import SOURCE

    student = tmp_path / "c" / "cy"
    released = json.loads((SOURCE / ASSIGNMENT / "kmeans.ipynb").read_text())
    from autograder.generation.build import strip_solutions
    for cell in released["cells"]:
        cell["source"] = strip_solutions("".join(cell["source"]))
    write(student / "kmeans.ipynb", json.dumps(released))
    write(student / "sub" / "kmeans.py", sample_cohort.solved("kmeans"))
    [sub] = find_cohort(tmp_path / "c", tmp_path / "s", SLUGS).submissions
    assert sub.files["kmeans"].name == "kmeans.py"
    assert "ignored kmeans.ipynb (the untouched stub)" in sub.flags[0]


def test_both_files_edited_grades_the_module_and_says_so(tmp_path):
    from autograder.generation import sample_cohort

    student = tmp_path / "c" / "di"
    write(student / "kmeans.py", sample_cohort.solved("kmeans"))
    write(student / "kmeans.ipynb", sample_cohort.as_notebook(sample_cohort.solved("kmeans"), "k"))
    [sub] = find_cohort(tmp_path / "c", tmp_path / "s", SLUGS).submissions
    assert sub.files["kmeans"].name == "kmeans.py"
    assert sub.flags == ["kmeans: graded kmeans.py, ignored kmeans.ipynb (more than one has work in it: "
                         "the one nearest the top of your folder is graded, the .py before the .ipynb; "
                         "hand in one file per exercise)."]


def test_what_counts_as_an_untouched_stub():
    from autograder.generation import sample_cohort
    from autograder.generation.stubs import implemented_functions, is_untouched_stub

    stub = sample_cohort.stub("gaussian_mle")
    assert is_untouched_stub(stub, "gaussian_mle")
    assert is_untouched_stub("\n\n" + stub.replace("\n", "\r\n"), "gaussian_mle")
    assert is_untouched_stub(stub.replace("# YOUR CODE HERE", "# TODO later"), "gaussian_mle")
    one_done = stub.replace("    # YOUR CODE HERE\n    raise NotImplementedError()",
                            "    return 1.0", 1)
    assert implemented_functions(one_done, "gaussian_mle") == ["gaussian_log_likelihood"]
    assert not is_untouched_stub(one_done, "gaussian_mle")
    assert not is_untouched_stub(sample_cohort.solved("gaussian_mle"), "gaussian_mle")
    assert not is_untouched_stub("def gaussian_mle(x:\n", "gaussian_mle")  # broken: its error is told
